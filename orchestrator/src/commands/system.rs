//! `nbench system [--format table|json] [--cpu-slots N]` and `nbench system tune --print`: run
//! the machine checks (`crate::system`) over the CPU slots a run would use and print them, or
//! print the commands that would fix what they found. It changes nothing on the machine, and a
//! finding never makes it fail: it exits 0 whatever the checks say.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nbench_schema::exit;

use crate::config::FileConfig;
use crate::error::Result;
use crate::system::{self, Context, Root, parse_cpulist, render};
use crate::topology;

/// Output formats of `nbench system`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Arguments of `nbench system`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Check the slots of `--cpu-slots N` (default: `[run] cpu_slots` from the config, else 1).
    #[arg(long, value_name = "N", global = true)]
    pub cpu_slots: Option<u32>,
    /// Tests only: read sys/ and proc/ under DIR instead of /, and take the CPUs from DIR's
    /// sys/devices/system/cpu/online instead of nbench's affinity.
    #[arg(long, value_name = "DIR", hide = true, global = true)]
    pub root: Option<PathBuf>,
}

/// What `nbench system` can do besides checking.
#[derive(Debug, clap::Subcommand, Clone)]
pub enum Action {
    /// Print the commands that would fix what the checks found; runs none of them.
    Tune(TuneArgs),
}

/// Arguments of `nbench system tune`.
#[derive(Debug, clap::Args, Clone)]
pub struct TuneArgs {
    /// Print the commands (required: `tune` never changes the machine itself).
    #[arg(long, required = true)]
    pub print: bool,
}

/// How long `nbench system` watches other processes' CPU time.
const BUSY_WINDOW: Duration = Duration::from_millis(500);

/// Runs `nbench system`.
pub fn main(config: Option<&Path>, args: &Args) -> Result<i32> {
    let (file, _) = FileConfig::load(config)?;
    let root = args.root.clone().map_or_else(Root::real, Root::at);
    let cpus = if root.is_real() {
        topology::usable_cpus()
    } else {
        root.read("sys/devices/system/cpu/online")
            .and_then(|t| parse_cpulist(&t))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| vec![0])
    };
    let cores = topology::physical_cores_under(&root.path(""), &cpus);
    let slots = args.cpu_slots.or(file.run.cpu_slots).unwrap_or(1);
    let groups = topology::partition(&cores, slots)?;
    let ctx = Context {
        root,
        groups,
        env: system::forcing_env(),
        python: Some(crate::provider::interpreter("numpy", "cpu")),
        busy_window: BUSY_WINDOW,
    };
    let checks = system::run(&ctx);
    let text = match (&args.action, args.format) {
        (Some(Action::Tune(_)), _) => render::tune(&checks),
        (None, Format::Table) => render::table(&checks),
        (None, Format::Json) => render::json(&checks),
    };
    print!("{text}");
    Ok(exit::SUCCESS)
}
