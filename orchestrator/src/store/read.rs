//! Loading rows back: from `rows.jsonl` files, run directories, or a whole store directory, in
//! any mix. Files are read as bytes and split into lines, so one damaged line never costs the
//! rest: a torn last line (a writer that died mid-append) is dropped, any other bad line is
//! skipped and counted, with one warning on stderr per file naming it and the line numbers (a
//! file with bad lines and no row at all is refused: it is not a rows file). A
//! row from a newer schema is refused naming both versions. `--latest` keeps the newest row per
//! attempt key, never preferring an `interrupted` row over a finished one. This module never
//! writes files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nbench_schema::read::parse_rows;
use nbench_schema::{ReadError, Status};
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
            let bytes = std::fs::read(&file).map_err(|source| Error::Read {
                path: file.clone(),
                source,
            })?;
            let parsed = parse_rows(&bytes);
            if let Some(warning) = skipped_warning(&file, &parsed.errors, parsed.rows.is_empty())? {
                eprintln!("{warning}");
            }
            all.extend(parsed.rows.into_iter().filter(|r| r.profile.is_none()));
        }
    }
    Ok(superseded_dropped(all))
}

/// Drops the `interrupted` rows that a resume of the same run has since completed: a resumed
/// run's rows file holds, for an attempt first interrupted and then finished, both rows under
/// one `(run_id, attempt_id)`, and only the final one describes the attempt. Of several
/// `interrupted` rows of one attempt and no final one, the last is kept.
fn superseded_dropped(rows: Vec<Row>) -> Vec<Row> {
    use std::collections::{HashMap, HashSet};
    let id = |r: &Row| (r.run_id.clone(), r.attempt_id.clone());
    let finished: HashSet<(String, String)> = rows
        .iter()
        .filter(|r| r.status != Status::Interrupted)
        .map(id)
        .collect();
    let mut last_interrupted: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.status == Status::Interrupted {
            last_interrupted.insert(id(r), i);
        }
    }
    rows.into_iter()
        .enumerate()
        .filter(|(i, r)| {
            r.status != Status::Interrupted
                || (!finished.contains(&id(r)) && last_interrupted.get(&id(r)) == Some(i))
        })
        .map(|(_, r)| r)
        .collect()
}

/// Refuses a file holding a row from a newer schema (its rows would be misread) or no row at
/// all among bad lines (it is not a rows file); otherwise the warning for the lines skipped, if
/// any: the file, how many, which (the first ten) and the first reason.
fn skipped_warning(
    file: &Path,
    errors: &[(usize, ReadError)],
    no_rows: bool,
) -> Result<Option<String>> {
    let fatal = errors
        .iter()
        .find(|(_, e)| matches!(e, ReadError::TooNew { .. }))
        .or(errors.first().filter(|_| no_rows));
    if let Some((line, e)) = fatal {
        return Err(Error::bad(format!("{}:{line}: {e}", file.display())));
    }
    let Some((_, first)) = errors.first() else {
        return Ok(None);
    };
    let mut lines: Vec<String> = errors.iter().take(10).map(|(l, _)| l.to_string()).collect();
    if errors.len() > 10 {
        lines.push("…".into());
    }
    Ok(Some(format!(
        "nbench: warning: {}: skipped {} bad line{} ({}): {first}",
        file.display(),
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        lines.join(", ")
    )))
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

/// Keeps the newest row (by `finished_at`, then run id) for each attempt key, in key order. An
/// `interrupted` row never replaces a finished one: the attempt was measured, and the later
/// row only says a run (or a resume of it) was stopped before measuring it again.
pub fn latest(rows: Vec<Row>) -> Vec<Row> {
    let rank = |r: &Row| {
        (
            r.status != Status::Interrupted,
            r.finished_at.clone(),
            r.run_id.clone(),
        )
    };
    let mut best: BTreeMap<String, Row> = BTreeMap::new();
    for r in rows {
        let k = attempt_key(&r);
        let newer = match best.get(&k) {
            Some(old) => rank(&r) > rank(old),
            None => true,
        };
        if newer {
            best.insert(k, r);
        }
    }
    best.into_values().collect()
}
