//! `nbench summary [RUNS…]`: backends side by side per probe and point, as a terminal table,
//! Markdown, JSON or CSV on stdout. Read-only: it never writes into the store.

use nbench_schema::exit;

use crate::analysis::summary::Summary;
use crate::commands::inputs::{self, RowsArgs};
use crate::error::{Error, Result};
use crate::render::Exporter;
use crate::render::{csv::Csv, json::Json, markdown::Markdown, table::Table};

/// Arguments of `nbench summary`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    pub rows: RowsArgs,
    /// Output format: table, md, json or csv.
    #[arg(long, default_value = "table")]
    pub format: String,
}

/// The exporter for `--format`.
pub fn exporter(format: &str) -> Result<Box<dyn Exporter<Summary>>> {
    let all: [Box<dyn Exporter<Summary>>; 4] = [
        Box::new(Table),
        Box::new(Markdown),
        Box::new(Json),
        Box::new(Csv),
    ];
    let names: Vec<&str> = all.iter().map(|e| e.format()).collect();
    let names = names.join(", ");
    all.into_iter()
        .find(|e| e.format() == format)
        .ok_or_else(|| Error::bad(format!("unknown --format {format}; valid: {names}")))
}

/// Runs `nbench summary`.
pub fn main(config: Option<&std::path::Path>, args: &Args) -> Result<i32> {
    let exporter = exporter(&args.format)?;
    let loaded = inputs::load(config, &args.rows)?;
    print!("{}", exporter.render(&loaded.summary));
    Ok(exit::SUCCESS)
}
