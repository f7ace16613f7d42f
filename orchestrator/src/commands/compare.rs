//! `nbench compare BASELINE CURRENT`: load both sides (rows files, run directories or stores),
//! run the gate, print or write the chosen format, and exit 0 (pass), 1 (regression) or 2 (bad
//! input). The gate and output flags and the delivery live in [`super::gating`], shared with
//! `nbench ab`. No statistics here.

use std::path::{Path, PathBuf};

use nbench_schema::Row;

use super::gating::{GateArgs, OutputArgs, deliver};
use crate::analysis::gate;
use crate::error::{Error, Result};
use crate::store::read;

/// Arguments of `nbench compare`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The baseline: a rows .jsonl file, a run directory, a store of runs, or another tool's
    /// output (as `nbench import` reads it).
    pub baseline: PathBuf,
    /// The current side, in the same forms.
    pub current: PathBuf,
    /// Keep only the newest row per key on each side (needed when a side holds several runs).
    #[arg(long)]
    pub latest: bool,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `nbench compare`.
pub fn main(config: Option<&Path>, args: &Args) -> Result<i32> {
    let settings = args.gate.resolve(config)?;
    let baseline = side(&args.baseline, "baseline", args.latest)?;
    let current = side(&args.current, "current", args.latest)?;
    let c = gate::compare(
        &baseline,
        &current,
        &settings,
        &args.baseline.display().to_string(),
        &args.current.display().to_string(),
    )?;
    deliver(&c, &args.output)
}

fn side(path: &Path, name: &str, latest: bool) -> Result<Vec<Row>> {
    // Another tool's output (hyperfine, Google Benchmark, Criterion, pytest-benchmark) is
    // imported in memory, as `nbench import` would write it.
    let rows = match crate::import::foreign_rows(path)? {
        Some(rows) => rows,
        None => read::load(&[path.to_path_buf()])?,
    };
    if rows.is_empty() {
        return Err(Error::bad(format!(
            "{name} {} holds no rows to compare",
            path.display()
        )));
    }
    Ok(if latest { read::latest(rows) } else { rows })
}
