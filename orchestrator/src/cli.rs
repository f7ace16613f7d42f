//! The command line: argument definitions and dispatch to [`crate::commands`]. It owns parsing
//! and the mapping of errors to exit codes and stderr; it does no work of its own.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use nbench_schema::exit;

use crate::commands;

/// nbench: rigorous benchmarks of numerical kernels, one worker process per attempt.
#[derive(Debug, Parser)]
#[command(name = "nbench", version, about, long_about = None)]
pub struct Cli {
    /// Config file (default: ./nbench.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run benchmarks: one worker process per (probe, point, seed, backend, provider, platform).
    Run(Box<RunArgs>),
    /// Determinism smoke test: every selected attempt twice; fails on differing digests,
    /// oracle failures or failed setups, naming probe and point.
    Check(Box<commands::check::Args>),
    /// List probes, their parameters and backends.
    List(ListArgs),
    /// Compare two sets of rows: a regression gate for CI (exit 1 on a regression).
    Compare(Box<commands::compare::Args>),
    /// Interleaved A/B: run a baseline and a candidate worker alternately and gate them.
    Ab(Box<commands::ab::Args>),
    /// Export rows for continuous-benchmarking services (Bencher, github-action-benchmark).
    Export(Box<commands::export::Args>),
    /// Summarise rows: backends side by side per point.
    Summary(Box<commands::summary::Args>),
    /// Render a Markdown report from rows.
    Report(Box<commands::report::Args>),
    /// Render a self-contained interactive HTML dashboard from rows.
    Plot(Box<commands::plot::Args>),
    /// Delete all but the newest N runs from a store.
    Prune(Box<commands::prune::Args>),
    /// Turn other tools' results (hyperfine, Google Benchmark, Criterion, pytest-benchmark)
    /// into a run directory.
    Import(Box<commands::import::Args>),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions(commands::completions::Args),
    /// Print the man page (roff) on stdout.
    Man,
    /// Check whether this machine is fit to benchmark; `system tune --print` prints the fixes.
    System(Box<commands::system::Args>),
    /// Merge the shard runs of one plan into one run directory.
    Merge(Box<commands::merge::Args>),
}

/// Where the workers are.
#[derive(Debug, Args, Clone)]
pub struct WorkerArg {
    /// A worker: a path, a command line ('python3 -m nbench_py serve mybench') or `builtin`;
    /// repeatable, replacing `[run] workers` and the built-in default (NBENCH_WORKER, then
    /// beside nbench, then on PATH).
    #[arg(long, value_name = "PATH|COMMAND")]
    pub worker: Vec<String>,
}

/// Which attempts to plan.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Probe families (comma-separated or repeated); `calib` is only included when named.
    #[arg(long, value_delimiter = ',')]
    pub family: Vec<String>,
    /// Glob on probe names, e.g. 'vec.*' (repeatable).
    #[arg(long = "match", value_name = "GLOB")]
    pub matches: Vec<String>,
    /// Backends (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub backend: Vec<String>,
    /// Sizes, shorthand for --param size=…
    #[arg(long, value_delimiter = ',')]
    pub size: Vec<String>,
    /// Restrict a parameter axis: KEY=V[,V…] (repeatable).
    #[arg(long, value_name = "KEY=V[,V…]")]
    pub param: Vec<String>,
    /// Only each probe's representative point.
    #[arg(long)]
    pub quick: bool,
    /// Platforms to fan out over (comma-separated): cpu, cuda.
    #[arg(long, value_delimiter = ',', default_value = "cpu")]
    pub platforms: Vec<String>,
    /// Providers (comma-separated or repeated): native, numpy, torch (default native).
    #[arg(long = "provider", value_name = "NAME")]
    pub providers: Vec<String>,
}

/// What CPU and GPU resources attempts are scheduled over.
#[derive(Debug, Args, Clone, Default)]
pub struct ResourceArgs {
    /// Partition the usable CPUs into N disjoint core groups and run N CPU attempts at once.
    #[arg(long, value_name = "N")]
    pub cpu_slots: Option<u32>,
    /// GPU devices to schedule over, each with a lock (default: probed by a helper process
    /// when `cuda` is among --platforms, else 0).
    #[arg(long, value_name = "N")]
    pub gpus: Option<u32>,
    /// Tests only: schedule over N simulated devices (locks without hardware), so GPU
    /// scheduling is testable on machines without a GPU.
    #[arg(long, value_name = "N", hide = true, conflicts_with = "gpus")]
    pub simulate_gpus: Option<u32>,
    /// Seconds to hold a GPU's lock after each attempt.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub gpu_settle: f64,
}

/// How each attempt is measured, and how long its stages may take.
#[derive(Debug, Args, Clone, Default)]
pub struct PolicyArgs {
    #[command(flatten)]
    pub measure: crate::config::PolicyOverrides,
    /// Scale every stage deadline.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub timeout_multiplier: Option<f64>,
}

/// What `nbench run` and `nbench ab` share, so a filter or flag means the same in both and a bad
/// one is refused with the same message: which attempts, on what resources, measured how,
/// stored where.
#[derive(Debug, Args, Clone, Default)]
pub struct PlanArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub resources: ResourceArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Store directory; the run goes to STORE/<run_id>/ (default results/store).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Run the whole plan N times over (N independent processes per attempt key).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeat: u32,
    /// Print the plan and exit without running.
    #[arg(long)]
    pub dry_run: bool,
    /// How progress is shown: a bar on a terminal and lines otherwise (auto), or as asked.
    #[arg(long, value_enum, default_value_t)]
    pub progress: crate::progress::Mode,
    /// The machine-wide benchmark lock file to hold while running (default: NBENCH_LOCK, else
    /// $XDG_RUNTIME_DIR/nbench.lock, else /tmp/nbench-<uid>.lock).
    #[arg(long, value_name = "PATH", conflicts_with = "no_lock")]
    pub lock: Option<PathBuf>,
    /// Run without the benchmark lock, alongside any other nbench (timings may interfere).
    #[arg(long)]
    pub no_lock: bool,
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// Which shard of the plan to run (`docs/scale-out.md`).
#[derive(Debug, Args, Clone, Default)]
pub struct ShardArgs {
    /// Run one shard of the plan, whole points each: hash:M/N, slice:M/N, M/N (M 0-based), or
    /// auto (index and count from Slurm, a Kubernetes Indexed Job, GitLab, or
    /// NBENCH_SHARD_INDEX/NBENCH_SHARD_COUNT).
    #[arg(long, value_name = "SPEC")]
    pub shard: Option<String>,
    /// The shard count for --shard auto when the engine gives none (a Kubernetes Indexed Job);
    /// else NBENCH_SHARD_COUNT.
    #[arg(long, value_name = "N")]
    pub shard_count: Option<u32>,
    /// Balance slice shards by each point's summed attempt wall time in RUN (a run directory
    /// or a run id in the store), so the shards finish together.
    #[arg(long, value_name = "RUN")]
    pub balance_from: Option<PathBuf>,
}

/// `nbench run`.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub worker: WorkerArg,
    /// Leave raw samples out of rows.
    #[arg(long)]
    pub no_samples: bool,
    /// Fit the run into this wall time (`10m`, `90s`, `1h30m`): lower the measurement policy
    /// probe by probe, then drop whole points, as docs/budget.md says; printed before the
    /// start and recorded in the manifest.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub budget: Option<f64>,
    /// Complete the stored run RUN (a run directory, or a run id in the store): run exactly its
    /// attempts that have no final row, with its own plan and policy.
    #[arg(long, value_name = "RUN")]
    pub resume: Option<PathBuf>,
    /// One extra attempt per point under a profiler, recorded apart: perf-stat, perf-record,
    /// nsys, ncu, or 'cmd:COMMAND…' ({out} = the attempt's artifact directory).
    #[arg(long, value_name = "TOOL")]
    pub profile: Option<String>,
}

/// `nbench list`.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Only these families (naming `calib` shows the hidden calibration probes).
    #[arg(long, value_delimiter = ',')]
    pub family: Vec<String>,
    /// Include hidden probes.
    #[arg(long)]
    pub all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: crate::render::listing::Format,
    #[command(flatten)]
    pub worker: WorkerArg,
}

/// Parses the process arguments, runs the command, prints any error, returns the exit code.
pub fn main() -> i32 {
    crate::closed_pipe::install();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::SUCCESS
            };
        }
    };
    let config = cli.config.as_deref();
    let result = match &cli.command {
        Command::Run(args) => commands::run::run(config, args),
        Command::Check(args) => commands::check::main(config, args),
        Command::List(args) => commands::list::list(config, args),
        Command::Compare(args) => commands::compare::main(config, args),
        Command::Ab(args) => commands::ab::main(config, args),
        Command::Export(args) => commands::export::main(args),
        Command::Summary(args) => commands::summary::main(config, args),
        Command::Report(args) => commands::report::main(config, args),
        Command::Plot(args) => commands::plot::main(config, args),
        Command::Prune(args) => commands::prune::main(config, args),
        Command::Import(args) => commands::import::main(args),
        Command::Completions(args) => commands::completions::main(args),
        Command::Man => commands::completions::man(),
        Command::System(args) => commands::system::main(config, args),
        Command::Merge(args) => commands::merge::main(config, args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // A message may quote a worker's or a file's words: escaped, it cannot inject a
            // terminal sequence or a CI workflow command.
            eprintln!(
                "nbench: error: {}",
                crate::render::escape::terminal(&e.to_string())
            );
            e.exit_code()
        }
    }
}
