//! The store: one directory per run under `results/store/<run_id>/` holding `rows.jsonl`
//! (appended and flushed to disk per row, never rewritten) and `manifest.json` (replaced
//! atomically). This module owns the layout (where the store root is, which directories are
//! runs, which is the newest) and durable writing; [`read`] owns loading rows back from any mix
//! of files and directories. It must not compute or render anything.

pub mod durable;
pub mod read;

pub use durable::write_atomic;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use nbench_schema::Row;
use serde::Serialize;

use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::lock;

/// The store root when neither `--store` nor `[run] store` of nbench.toml names one, relative
/// to the working directory.
pub const DEFAULT_STORE: &str = "results/store";

/// File name of a run's rows.
pub const ROWS_FILE: &str = "rows.jsonl";
/// File name of a run's manifest.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The store root every command uses: `--store`, else `[run] store` of the config file, else
/// [`DEFAULT_STORE`].
pub fn root(flag: Option<&Path>, file: &FileConfig) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| file.run.store.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE))
}

/// The run directories of `store` (those holding a rows file or a manifest), oldest first: run
/// ids sort by start time. Anything else in the store is not a run.
pub fn runs(store: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(store).map_err(|source| Error::Read {
        path: store.to_path_buf(),
        source,
    })?;
    let mut runs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join(ROWS_FILE).is_file() || p.join(MANIFEST_FILE).is_file())
        .collect();
    runs.sort();
    Ok(runs)
}

/// The newest run of `store` that has rows.
pub fn newest_run(store: &Path) -> Result<PathBuf> {
    let none = || {
        Error::bad(format!(
            "no inputs given and {} holds no runs: pass rows .jsonl files, run directories or a store directory",
            store.display()
        ))
    };
    let runs = runs(store).map_err(|_| none())?;
    runs.into_iter()
        .rev()
        .find(|p| p.join(ROWS_FILE).is_file())
        .ok_or_else(none)
}

/// The run directory `target` names for `flag`: a directory holding a manifest, or a run id in
/// the store `root`.
pub fn run_dir(flag: &str, target: &Path, root: &Path) -> Result<PathBuf> {
    if target.join(MANIFEST_FILE).is_file() {
        return Ok(target.to_path_buf());
    }
    let in_store = root.join(target);
    if in_store.join(MANIFEST_FILE).is_file() {
        return Ok(in_store);
    }
    Err(Error::bad(format!(
        "{flag} {}: no run there (expected a run directory with {MANIFEST_FILE}, or a run id in {})",
        target.display(),
        root.display()
    )))
}

/// An open run directory.
#[derive(Debug)]
pub struct RunStore {
    dir: PathBuf,
    rows_path: PathBuf,
    rows: File,
    /// Held for the store's life: `prune` skips a run whose lock is held.
    _lock: lock::Held,
}

impl RunStore {
    /// Creates a new run directory `root/<id>/` exclusively (a directory that already exists is
    /// never shared: another id is drawn from `new_id`) and creates its rows file. Fails before
    /// any attempt starts if the store is not writable.
    pub fn create(root: &Path, mut new_id: impl FnMut() -> String) -> Result<(String, RunStore)> {
        std::fs::create_dir_all(root).map_err(|source| Error::Unwritable {
            path: root.to_path_buf(),
            source,
        })?;
        for _ in 0..64 {
            let run_id = new_id();
            let dir = root.join(&run_id);
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(Error::Unwritable { path: dir, source }),
            }
            let _ = durable::sync_dir(root);
            let lock = lock::run(&dir)?;
            return Ok((run_id, RunStore::open(dir, true, lock)?));
        }
        Err(Error::Runtime(format!(
            "cannot create a new run directory in {}: every id drawn already exists",
            root.display()
        )))
    }

    /// Opens an existing run directory's rows file for appending (`--resume`). A torn last line
    /// left by a writer that was killed mid-append is cut off first, so the next row starts on
    /// a line of its own.
    pub fn reopen(dir: &Path) -> Result<RunStore> {
        let lock = lock::run(dir)?;
        let store = RunStore::open(dir.to_path_buf(), false, lock)?;
        let bytes = std::fs::read(&store.rows_path).map_err(|source| Error::Read {
            path: store.rows_path.clone(),
            source,
        })?;
        let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if keep < bytes.len() {
            store
                .rows
                .set_len(keep as u64)
                .and_then(|()| store.rows.sync_all())
                .map_err(|source| Error::WriteFailed {
                    path: store.rows_path.clone(),
                    source,
                })?;
        }
        Ok(store)
    }

    fn open(dir: PathBuf, new: bool, lock: lock::Held) -> Result<RunStore> {
        let rows_path = dir.join(ROWS_FILE);
        let mut opts = OpenOptions::new();
        if new {
            opts.create_new(true);
        }
        let rows = opts
            .append(true)
            .open(&rows_path)
            .map_err(|source| Error::Unwritable {
                path: rows_path.clone(),
                source,
            })?;
        Ok(RunStore {
            dir,
            rows_path,
            rows,
            _lock: lock,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The rows file.
    pub fn rows_path(&self) -> &Path {
        &self.rows_path
    }

    /// Appends one row as one line and forces it to disk: a later crash of nbench loses
    /// nothing already measured.
    pub fn append(&mut self, row: &Row) -> Result<()> {
        append_synced(&self.rows_path, &mut self.rows, std::slice::from_ref(row))
    }

    /// A second handle on the rows file, for appending from another thread (the dispatcher's
    /// group commit, `runner::commit`).
    pub fn writer(&self) -> Result<RowWriter> {
        let rows = self.rows.try_clone().map_err(|source| Error::WriteFailed {
            path: self.rows_path.clone(),
            source,
        })?;
        Ok(RowWriter {
            path: self.rows_path.clone(),
            rows,
        })
    }

    /// Writes `value` as pretty JSON to `name` in the run directory, atomically.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<()> {
        write_json_atomic(&self.dir.join(name), value)
    }
}

/// An appending handle on a run's rows file that can move to another thread.
#[derive(Debug)]
pub struct RowWriter {
    path: PathBuf,
    rows: File,
}

impl RowWriter {
    /// Appends `rows`, one line each, in one write, and forces them to disk with one sync:
    /// when this returns `Ok`, every one of them is durable.
    pub fn append(&mut self, rows: &[Row]) -> Result<()> {
        append_synced(&self.path, &mut self.rows, rows)
    }
}

fn append_synced(path: &Path, file: &mut File, rows: &[Row]) -> Result<()> {
    let mut lines = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut lines, row)
            .map_err(|e| Error::Runtime(format!("cannot serialize row: {e}")))?;
        lines.push(b'\n');
    }
    let fail = |source| Error::WriteFailed {
        path: path.to_path_buf(),
        source,
    };
    file.write_all(&lines).map_err(fail)?;
    file.sync_data().map_err(fail)
}

/// Writes pretty JSON to `path` with [`write_atomic`].
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Runtime(format!("cannot serialize {}: {e}", path.display())))?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_directory_is_never_shared() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("taken")).unwrap();
        let mut ids = ["taken", "fresh"].into_iter();
        let (id, store) = RunStore::create(root.path(), || ids.next().unwrap().into()).unwrap();
        assert_eq!(id, "fresh");
        assert!(store.rows_path().is_file());
        assert!(
            !root.path().join("taken").join(ROWS_FILE).exists(),
            "the existing directory was used"
        );
    }

    #[test]
    fn reopening_cuts_a_torn_tail() {
        let root = tempfile::tempdir().unwrap();
        let (_, store) = RunStore::create(root.path(), || "r".into()).unwrap();
        let rows = store.rows_path().to_path_buf();
        drop(store);
        std::fs::write(&rows, b"{\"a\":1}\n{\"torn").unwrap();
        let _store = RunStore::reopen(&root.path().join("r")).unwrap();
        assert_eq!(std::fs::read(&rows).unwrap(), b"{\"a\":1}\n");
    }
}
