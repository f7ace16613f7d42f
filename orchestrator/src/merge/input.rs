//! One input of `nbench merge`: a run directory read strictly — its manifest, and every line of
//! its rows file kept as the bytes it was written as, beside the row parsed from them. Unlike
//! the tolerant readers of `store::read`, a merge refuses a damaged input (a torn or unparsable
//! line, no rows, no manifest), naming the path and the line: a merged run must say exactly
//! what its shards measured. It decides nothing about which rows survive the merge.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nbench_schema::Row;

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::store::{MANIFEST_FILE, ROWS_FILE};

/// A row and the exact line it was read from (no newline).
#[derive(Debug, Clone)]
pub struct Line {
    pub row: Row,
    pub bytes: Vec<u8>,
}

/// A run directory to merge.
#[derive(Debug, Clone)]
pub struct Input {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// Its measured rows in file order; profiled attempts' rows are left out (their artifacts
    /// stay in the shard's directory, and no statistic reads them).
    pub lines: Vec<Line>,
    /// The ids of the profiled attempts left out.
    pub profiled: BTreeSet<String>,
}

/// Reads the run directory `dir`.
pub fn load(dir: &Path) -> Result<Input> {
    let manifest_path = dir.join(MANIFEST_FILE);
    if !manifest_path.is_file() {
        return Err(Error::bad(format!(
            "{} is not a run directory: it has no {MANIFEST_FILE} (merge takes the run directories `nbench run --shard` wrote)",
            dir.display()
        )));
    }
    let manifest = crate::manifest::read(&manifest_path)?;
    let rows_path = dir.join(ROWS_FILE);
    let bytes = match std::fs::read(&rows_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(Error::Read {
                path: rows_path,
                source,
            });
        }
    };
    let (lines, profiled) = parse(&rows_path, &bytes)?;
    if lines.is_empty() {
        return Err(Error::bad(format!(
            "{} holds no rows: there is nothing of run {} to merge",
            dir.display(),
            manifest.run_id
        )));
    }
    Ok(Input {
        dir: dir.to_path_buf(),
        manifest,
        lines,
        profiled,
    })
}

/// Every line of `bytes` as a row; the first that is torn or not a row refuses the file.
fn parse(path: &Path, bytes: &[u8]) -> Result<(Vec<Line>, BTreeSet<String>)> {
    let mut lines = Vec::new();
    let mut profiled = BTreeSet::new();
    let mut rest = bytes;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            return Err(Error::bad(format!(
                "{}:{number}: the last line is torn (no newline: its writer was killed mid-row); `nbench run --resume {}` cuts it off and completes the run",
                path.display(),
                path.parent().unwrap_or(Path::new(".")).display()
            )));
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = std::str::from_utf8(line).map_err(|_| {
            Error::bad(format!("{}:{number}: not UTF-8, not a row", path.display()))
        })?;
        let row = nbench_schema::parse_row(text)
            .map_err(|e| Error::bad(format!("{}:{number}: {e}", path.display())))?;
        if row.profile.is_some() {
            profiled.insert(row.attempt_id.clone());
            continue;
        }
        lines.push(Line {
            row,
            bytes: line.to_vec(),
        });
    }
    Ok((lines, profiled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_or_bad_line_is_refused_with_its_number() {
        let p = Path::new("/x/rows.jsonl");
        let e = parse(p, b"").map(|(l, _)| l.len()).unwrap();
        assert_eq!(e, 0);
        let e = parse(p, b"{\"schema_version\":1").unwrap_err().to_string();
        assert!(e.contains("/x/rows.jsonl:1") && e.contains("torn"), "{e}");
        let e = parse(p, b"not json\n").unwrap_err().to_string();
        assert!(e.starts_with("/x/rows.jsonl:1: not a row"), "{e}");
    }
}
