//! `nbench prune --keep N [--store DIR]`: deletes all but the newest N runs of a store. Only
//! directories that look like runs (holding `rows.jsonl` or `manifest.json`) are counted or
//! touched; anything else in the store is left alone. Run ids sort by start time, so "newest"
//! is the largest run id.

use std::path::{Path, PathBuf};

use nbench_schema::exit;

use crate::commands::run::DEFAULT_STORE;
use crate::error::{Error, Result};
use crate::store::{MANIFEST_FILE, ROWS_FILE};

/// Arguments of `nbench prune`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// How many of the newest runs to keep.
    #[arg(long, value_name = "N")]
    pub keep: usize,
    /// The store (default results/store).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Print what would be deleted and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The run directories of `store`, oldest first.
pub fn runs(store: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(store).map_err(|source| Error::Read {
        path: store.to_path_buf(),
        source,
    })?;
    let mut runs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join(ROWS_FILE).is_file() || p.join(MANIFEST_FILE).is_file())
        .collect();
    runs.sort();
    Ok(runs)
}

/// Runs `nbench prune`.
pub fn main(args: &Args) -> Result<i32> {
    let store = args
        .store
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE));
    let runs = runs(&store)?;
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
