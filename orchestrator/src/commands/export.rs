//! `nbench export --format bmf|gab --out PATH ROWS…`: hands rows to continuous-benchmarking
//! services through the exporters of [`crate::render::export`]. Only `ok` rows with a steady
//! time are exported, newest row per key; `bmf` writes one document to `--out FILE` or stdout,
//! `gab` its two files into the directory `--out DIR`.

use std::path::PathBuf;

use nbench_schema::{Row, Status, exit};

use crate::error::{Error, Result};
use crate::render::export::{Format, steady};
use crate::render::{self, Exporter};
use crate::store::read;

/// Arguments of `nbench export`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Rows files, run directories or stores, in any mix.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The service's format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// bmf: the file to write (default stdout). gab: the directory to write the two files into.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Runs `nbench export`.
pub fn main(args: &Args) -> Result<i32> {
    let rows = read::latest(read::load(&args.inputs)?);
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.status == Status::Ok && steady(r).is_some())
        .collect();
    if rows.is_empty() {
        return Err(Error::bad(
            "no ok rows with a measured steady time among the inputs: nothing to export",
        ));
    }
    for (file, exporter) in args.format.outputs() {
        let path = match (file, &args.out) {
            (None, None) => {
                render::to_stdout(exporter.as_ref(), rows.as_slice())?;
                continue;
            }
            (None, Some(p)) => p.clone(),
            (Some(name), Some(dir)) => {
                std::fs::create_dir_all(dir).map_err(|source| Error::Unwritable {
                    path: dir.clone(),
                    source,
                })?;
                dir.join(name)
            }
            (Some(_), None) => {
                return Err(Error::bad(
                    "--format gab writes two files: name their directory with --out DIR",
                ));
            }
        };
        write(&path, exporter.as_ref(), &rows)?;
    }
    Ok(exit::SUCCESS)
}

fn write(
    path: &std::path::Path,
    exporter: &dyn for<'a> Exporter<[&'a Row]>,
    rows: &[&Row],
) -> Result<()> {
    let unwritable = |source| Error::Unwritable {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::create(path).map_err(unwritable)?;
    exporter.write(rows, &mut f).map_err(unwritable)
}
