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

/// What [`parse_rows`] made of a rows file.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The rows, in file order.
    pub rows: Vec<Row>,
    /// Each line that is not a row this reader may interpret, with its 1-based line number.
    pub errors: Vec<(usize, ReadError)>,
    /// The 1-based number of a final line without a newline that did not parse: a torn write
    /// (the writer died mid-line), dropped.
    pub torn_tail: Option<usize>,
}

/// Rows from the bytes of a JSONL file.
///
/// Lines are split on `\n` as bytes, so a line cut inside a multi-byte character (or any
/// non-UTF-8 byte) spoils only its own line. A final line without a trailing newline that
/// does not parse is a torn write and is dropped (reported in [`Parsed::torn_tail`]); a final
/// line without a newline that does parse is complete (a hand-written file) and kept. Blank
/// lines are ignored; every other bad line is reported and skipped.
pub fn parse_rows(bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let unterminated = !bytes.is_empty() && !bytes.ends_with(b"\n");
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() {
        return out;
    }
    let mut lines = body.split(|&b| b == b'\n').enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let last = lines.peek().is_none();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_row_bytes(line) {
            Ok(r) => out.rows.push(r),
            Err(ReadError::NotARow(_) | ReadError::Invalid(_)) if unterminated && last => {
                out.torn_tail = Some(i + 1);
            }
            Err(e) => out.errors.push((i + 1, e)),
        }
    }
    out
}

/// [`parse_row`] of raw bytes: invalid UTF-8 is this line's error, not the file's.
pub fn parse_row_bytes(line: &[u8]) -> Result<Row, ReadError> {
    match std::str::from_utf8(line) {
        Ok(text) => parse_row(text),
        Err(e) => Err(ReadError::NotARow(format!("not valid UTF-8: {e}"))),
    }
}
