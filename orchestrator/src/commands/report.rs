//! `nbench report [RUNS…] [--out FILE.md]`: the Markdown report (provenance, measurement
//! protocol, tables per family, failures), to a file or stdout. Same rows, same bytes.

use std::path::PathBuf;

use nbench_schema::exit;

use crate::commands::inputs::{self, RowsArgs};
use crate::error::Result;
use crate::render::Exporter;
use crate::render::report::{Report, ReportDoc};
use crate::store::write_atomic;

/// Arguments of `nbench report`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    pub rows: RowsArgs,
    /// Write the report here (default: stdout).
    #[arg(long, value_name = "FILE.md")]
    pub out: Option<PathBuf>,
}

/// Runs `nbench report`.
pub fn main(config: Option<&std::path::Path>, args: &Args) -> Result<i32> {
    let loaded = inputs::load(config, &args.rows)?;
    let text = Report.render(&ReportDoc {
        summary: &loaded.summary,
        manifests: &loaded.manifests,
    });
    match &args.out {
        Some(path) => {
            write_atomic(path, text.as_bytes())?;
            eprintln!("nbench: report written to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(exit::SUCCESS)
}
