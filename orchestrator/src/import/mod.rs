//! Reading other benchmark tools' results as nbench rows (`nbench import`, and `compare` given
//! such a file as a side). One reader per format, each in its own file and listed once in
//! [`READERS`]; `auto` asks each in turn whether the input looks like its format. A reader
//! turns the tool's output into tool-neutral [`Bench`]es; [`rows`] turns those into rows that
//! are honest about what they lack (no digest, no fidelity, no worker; see
//! `nbench_schema::Imported`). This module reads files but never writes; the command owns the
//! run directory.

pub mod bench;
pub mod criterion;
pub mod gbench;
pub mod hyperfine;
pub mod json;
pub mod manifest;
pub mod pytest;
pub mod rows;

use std::path::Path;

pub use bench::{Bench, Doc, Times};

use crate::error::{Error, Result};

/// The `--format` of `nbench import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Recognise the format from the input.
    Auto,
    /// hyperfine `--export-json`.
    Hyperfine,
    /// Google Benchmark `--benchmark_format=json` or `--benchmark_out`.
    GoogleBenchmark,
    /// A Criterion.rs `target/criterion` directory (or one benchmark's directory in it).
    Criterion,
    /// pytest-benchmark `--benchmark-json` or a saved run.
    PytestBenchmark,
}

impl Format {
    /// The tool's name, as `--format` spells it and imported rows record it.
    pub fn tool(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Hyperfine => "hyperfine",
            Format::GoogleBenchmark => "google-benchmark",
            Format::Criterion => "criterion",
            Format::PytestBenchmark => "pytest-benchmark",
        }
    }
}

/// What a reader is given: a JSON document's text, or a directory (Criterion's tree).
pub enum Input<'a> {
    /// A file's text.
    Text(&'a str),
    /// A directory.
    Dir(&'a Path),
}

/// One format's reader.
pub trait Reader: Sync {
    /// The format it reads.
    fn format(&self) -> Format;
    /// Whether `input` looks like this format (cheap; no error).
    fn sniff(&self, input: &Input<'_>) -> bool;
    /// Reads every benchmark of `input`. Errors name what was wrong, without the path (the
    /// caller adds it).
    fn read(&self, input: &Input<'_>) -> std::result::Result<Doc, String>;
}

/// Every reader, in the order `auto` tries them.
pub static READERS: &[&dyn Reader] = &[
    &hyperfine::Hyperfine,
    &gbench::GoogleBenchmark,
    &pytest::PytestBenchmark,
    &criterion::Criterion,
];

/// The reader for `format`, or the one whose format `input` looks like for `auto`.
fn pick(format: Format, input: &Input<'_>) -> Option<&'static dyn Reader> {
    READERS.iter().copied().find(|r| match format {
        Format::Auto => r.sniff(input),
        f => r.format() == f,
    })
}

fn valid_tools() -> String {
    READERS
        .iter()
        .map(|r| r.format().tool())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `path` as `format`: a file for the JSON formats, a directory for Criterion.
pub fn read_path(path: &Path, format: Format) -> Result<Doc> {
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    let text;
    let input = if meta.is_dir() {
        Input::Dir(path)
    } else {
        text = std::fs::read_to_string(path).map_err(read_err)?;
        Input::Text(&text)
    };
    let reader = pick(format, &input).ok_or_else(|| {
        Error::bad(format!(
            "{} is not output of any tool nbench imports ({}); name the tool with --format if it is one",
            path.display(),
            valid_tools()
        ))
    })?;
    let mut doc = reader.read(&input).map_err(|e| {
        Error::bad(format!(
            "{} ({}): {e}",
            path.display(),
            reader.format().tool()
        ))
    })?;
    if doc.date.is_none() {
        // The tool did not say when it ran; the file says when it was written.
        doc.date = meta.modified().ok().map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        });
    }
    Ok(doc)
}

/// For `compare`: when `path` is another tool's output (not nbench rows), its rows, imported in
/// memory; `None` for anything else, which the caller reads as nbench rows.
pub fn foreign_rows(path: &Path) -> Result<Option<Vec<nbench_schema::Row>>> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if meta.is_dir() {
        if path.join(crate::store::ROWS_FILE).is_file() || !criterion::is_tree(path) {
            return Ok(None);
        }
    } else {
        // Only a single JSON document can be a tool's output; rows files are JSON lines.
        let Ok(text) = std::fs::read_to_string(path) else {
            return Ok(None);
        };
        if pick(Format::Auto, &Input::Text(&text)).is_none() {
            return Ok(None);
        }
    }
    let doc = read_path(path, Format::Auto)?;
    let run_id = crate::runner::session::new_run_id();
    Ok(Some(rows::rows(&doc, &path.display().to_string(), &run_id)))
}
