//! Loading rows back: from `rows.jsonl` files, run directories, or a whole store directory, in
//! any mix. A torn last line (a writer that died mid-append) is skipped; a row from a newer
//! schema is refused naming both versions; every error names its file and line. `--latest`
//! keeps the newest row per attempt key. This module never writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nbench_schema::read::parse_rows;
use nbench_schema::{Row, params::canonical};

use super::{MANIFEST_FILE, ROWS_FILE};
use crate::error::{Error, Result};

/// The rows files behind `path`: the file itself, a run directory's `rows.jsonl`, or every
/// run directory's under a store directory (sorted by run id).
pub fn rows_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let direct = path.join(ROWS_FILE);
    if direct.is_file() {
        return Ok(vec![direct]);
    }
    let entries = std::fs::read_dir(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(ROWS_FILE))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::bad(format!(
            "{} holds no rows: expected a rows .jsonl file, a run directory with {ROWS_FILE}, or a store of run directories (with {MANIFEST_FILE} beside each {ROWS_FILE})",
            path.display()
        )));
    }
    Ok(files)
}

/// Every measured row from every path, in file order. The rows of profiled attempts
/// (`nbench run --profile`) are left out: they ran under a profiler and must not reach a
/// statistic, an export or a gate.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Row>> {
    let mut all = Vec::new();
    for p in paths {
        for file in rows_files(p)? {
            let text = std::fs::read_to_string(&file).map_err(|source| Error::Read {
                path: file.clone(),
                source,
            })?;
            let (rows, errors) = parse_rows(&text);
            if let Some((line, e)) = errors.into_iter().next() {
                return Err(Error::bad(format!("{}:{line}: {e}", file.display())));
            }
            all.extend(rows.into_iter().filter(|r| r.profile.is_none()));
        }
    }
    Ok(all)
}

/// The identity of an attempt across runs: `(probe, params, seed, backend, provider,
/// platform)`, plus the A/B variant when there is one.
pub fn attempt_key(r: &Row) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        r.probe,
        canonical(&r.params),
        r.seed,
        r.backend,
        r.provider,
        r.platform,
        r.variant.as_deref().unwrap_or("")
    )
}

/// Keeps the newest row (by `finished_at`, then run id) for each attempt key, in key order.
pub fn latest(rows: Vec<Row>) -> Vec<Row> {
    let mut best: BTreeMap<String, Row> = BTreeMap::new();
    for r in rows {
        let k = attempt_key(&r);
        let newer = match best.get(&k) {
            Some(old) => (&r.finished_at, &r.run_id) > (&old.finished_at, &old.run_id),
            None => true,
        };
        if newer {
            best.insert(k, r);
        }
    }
    best.into_values().collect()
}
