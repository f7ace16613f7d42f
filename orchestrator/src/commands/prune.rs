//! `nbench prune --keep N [--store DIR]`: deletes all but the newest N runs of a store. Only
//! directories that look like runs (holding `rows.jsonl` or `manifest.json`) are counted or
//! touched; anything else in the store is left alone. Run ids sort by start time, so "newest"
//! is the largest run id.

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
    for dir in &runs[..cut] {
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
        runs.len() - cut,
        runs.len(),
        store.display()
    );
    Ok(exit::SUCCESS)
}
