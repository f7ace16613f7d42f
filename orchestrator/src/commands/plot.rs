//! `nbench plot [RUNS…] --out dashboard.html`: the self-contained interactive dashboard.

use std::path::PathBuf;

use nbench_schema::exit;

use crate::commands::inputs::{self, RowsArgs};
use crate::error::Result;
use crate::render::Exporter;
use crate::render::html::{DashboardDoc, Html};
use crate::store::write_atomic;

/// Arguments of `nbench plot`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    pub rows: RowsArgs,
    /// The HTML file to write.
    #[arg(long, value_name = "FILE.html", default_value = "dashboard.html")]
    pub out: PathBuf,
}

/// Runs `nbench plot`.
pub fn main(config: Option<&std::path::Path>, args: &Args) -> Result<i32> {
    let loaded = inputs::load(config, &args.rows)?;
    let html = Html.render(&DashboardDoc {
        summary: &loaded.summary,
        manifests: &loaded.manifests,
    });
    write_atomic(&args.out, html.as_bytes())?;
    eprintln!(
        "nbench: dashboard of {} rows written to {}",
        loaded.summary.rows,
        args.out.display()
    );
    Ok(exit::SUCCESS)
}
