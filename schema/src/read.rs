//! Reading rows: version checks and JSONL parsing with a torn last line tolerated.
//!
//! This module decides whether a line is a row this reader may interpret. It does not open
//! files (callers own paths and their I/O errors) and it never rewrites a row.

use serde::Deserialize;

use crate::SCHEMA_VERSION;
use crate::row::Row;

/// Why a row could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The row was written by a newer nbench.
    #[error(
        "row has schema_version {found}, but this nbench reads schema_version {supported} at most; upgrade nbench to read it"
    )]
    TooNew {
        /// The version in the row.
        found: u32,
        /// The newest this reader supports.
        supported: u32,
    },
    /// The line is not a JSON object with a `schema_version`.
    #[error("not a row: {0}")]
    NotARow(String),
    /// A known field has the wrong type or a required field is missing.
    #[error("invalid v1 row: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct VersionOnly {
    schema_version: u32,
}

/// Parses one JSON line as a row, refusing a newer schema version by name.
pub fn parse_row(line: &str) -> Result<Row, ReadError> {
    let v: VersionOnly =
        serde_json::from_str(line).map_err(|e| ReadError::NotARow(e.to_string()))?;
    if v.schema_version > SCHEMA_VERSION {
        return Err(ReadError::TooNew {
            found: v.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    if v.schema_version == 0 {
        return Err(ReadError::Invalid("schema_version 0 does not exist".into()));
    }
    serde_json::from_str(line).map_err(|e| ReadError::Invalid(e.to_string()))
}

/// Rows from JSONL text, with the 1-based line number of each problem.
///
/// A final line without a trailing newline that does not parse is a torn write (the writer
/// died mid-line) and is skipped silently; any other bad line is reported.
pub fn parse_rows(text: &str) -> (Vec<Row>, Vec<(usize, ReadError)>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let torn_tail = !text.is_empty() && !text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_row(line) {
            Ok(r) => rows.push(r),
            Err(ReadError::NotARow(_)) if torn_tail && i + 1 == lines.len() => {}
            Err(e) => errors.push((i + 1, e)),
        }
    }
    (rows, errors)
}
