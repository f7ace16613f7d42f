//! `nbench summary [RUNS…]`: backends side by side per probe and point, as a terminal table,
//! Markdown, JSON or CSV on stdout. Read-only: it never writes into the store.

use nbench_schema::exit;

use crate::analysis::summary::Summary;
use crate::commands::inputs::{self, RowsArgs};
use crate::error::Result;
use crate::render::{self, Exporter};
use crate::render::{csv::Csv, json::Json, markdown::Markdown, table::Table};

/// Arguments of `nbench summary`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    pub rows: RowsArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `nbench summary --format`: each value is one exporter of the [`Summary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A terminal table per probe.
    #[default]
    Table,
    /// Markdown tables per family.
    Md,
    /// The summary document (`summary.json`).
    Json,
    /// One line per cell.
    Csv,
}

impl Format {
    /// The exporter of this format.
    pub fn exporter(self) -> Box<dyn Exporter<Summary>> {
        match self {
            Format::Table => Box::new(Table),
            Format::Md => Box::new(Markdown),
            Format::Json => Box::new(Json),
            Format::Csv => Box::new(Csv),
        }
    }
}

/// Runs `nbench summary`.
pub fn main(config: Option<&std::path::Path>, args: &Args) -> Result<i32> {
    let loaded = inputs::load(config, &args.rows)?;
    render::to_stdout(args.format.exporter().as_ref(), &loaded.summary)?;
    Ok(exit::SUCCESS)
}
