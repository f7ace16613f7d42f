//! `nbench prune --keep N [--store DIR]`: deletes all but the newest N runs of a store. Only
//! directories that look like runs (holding `rows.jsonl` or `manifest.json`) are counted or
//! touched; anything else in the store is left alone. Run ids sort by start time, so "newest"
//! is the largest run id. A run that is running now (manifest `running` and its `run.lock`
//! held by a live nbench) is never deleted.

use std::path::{Path, PathBuf};

use nbench_schema::exit;

use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::store;

/// Arguments of `nbench prune`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// How many of the newest runs to keep.
    #[arg(long, value_name = "N")]
    pub keep: usize,
    /// The store (default: `[run] store` of nbench.toml, else results/store).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Print what would be deleted and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `nbench prune`.
pub fn main(config: Option<&Path>, args: &Args) -> Result<i32> {
    let (file, _) = FileConfig::load(config)?;
    let store = store::root(args.store.as_deref(), &file);
    let runs = store::runs(&store)?;
    let cut = runs.len().saturating_sub(args.keep);
    let mut skipped = 0;
    for dir in &runs[..cut] {
        if running(dir) {
            println!("skipped {} (running)", dir.display());
            skipped += 1;
            continue;
        }
        if args.dry_run {
            println!("would delete {}", dir.display());
            continue;
        }
        std::fs::remove_dir_all(dir).map_err(|source| Error::WriteFailed {
            path: dir.clone(),
            source,
        })?;
        println!("deleted {}", dir.display());
    }
    println!(
        "{} of {} runs kept in {}",
        runs.len() - cut + skipped,
        runs.len(),
        store.display()
    );
    Ok(exit::SUCCESS)
}

/// A run that is running now: its manifest says `running` and a live nbench holds its lock (a
/// `running` manifest whose lock is free was left by an nbench that died).
fn running(dir: &Path) -> bool {
    let status = std::fs::read_to_string(dir.join(store::MANIFEST_FILE))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_string));
    status.as_deref() == Some("running") && crate::lock::run_is_held(dir)
}
