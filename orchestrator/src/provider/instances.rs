//! The instance cache (docs/providers.md): before dispatch, every `(probe, params, seed)` a foreign
//! provider will run is materialised once by `nbench-worker materialize` into
//! `<cache>/<digest>/`, and its directory handed to the attempt as `spec.cache_dir`.
//!
//! This module owns the cache root's location and its `index.json` (instance key → digest, for
//! one worker build), so a point already cached costs no worker call. An index written by
//! another worker build is not used: a changed generator yields other bytes for the same point.
//! An indexed directory is reused only after `instance_check` re-verifies it; one that fails
//! goes back to the worker, which replaces it. Temporaries left by killed processes are removed
//! at start. A point that fails to materialise is reported on stderr and left without an
//! instance: its foreign attempts then end as rows, never as a failed run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{instance_check, instance_key, is_foreign};
use crate::attempt::Attempt;
use crate::error::{Error, Result};
use crate::helper;

/// Generating and writing the largest instance takes seconds; ten minutes means a hung worker.
const MATERIALIZE_DEADLINE: Duration = Duration::from_secs(600);

/// The index file inside the cache root.
pub const INDEX: &str = "index.json";

/// `NBENCH_INSTANCE_CACHE`, else `cache/instances` beside the store directory (so the
/// default store `results/store` caches under `results/cache/instances`).
pub fn cache_root(store_root: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("NBENCH_INSTANCE_CACHE").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let parent = store_root
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join("cache").join("instances")
}

/// Temporaries (the worker's `.tmp-…` directories, the index's `.index.json.….tmp`) older than
/// this belong to a process that died.
const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// `index.json`: the instances of one worker build.
#[derive(Default, Serialize, Deserialize)]
struct Index {
    /// [`instance_check::worker_identity`] of the build that generated them.
    worker: String,
    /// Instance key → digest.
    instances: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Answer {
    digest: String,
    dir: PathBuf,
}

/// Materialises every foreign point of `plan` that is not cached yet; returns the instance
/// directory of each point that has one, by instance key.
pub fn prepare(plan: &[Attempt], worker: &Path, root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let foreign: Vec<&Attempt> = plan.iter().filter(|a| is_foreign(&a.provider)).collect();
    if foreign.is_empty() {
        return Ok(BTreeMap::new());
    }
    remove_stale(root, STALE_AFTER);
    let identity = instance_check::worker_identity(worker)?;
    let index_path = root.join(INDEX);
    let mut index = std::fs::read(&index_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Index>(&b).ok())
        .filter(|i| i.worker == identity)
        .unwrap_or_else(|| Index {
            worker: identity,
            instances: BTreeMap::new(),
        });
    let mut out = BTreeMap::new();
    let mut changed = false;
    for a in foreign {
        if crate::sys::stops() > 0 {
            return Err(Error::Interrupted);
        }
        let key = instance_key(&a.probe, &a.params, a.seed);
        if out.contains_key(&key) {
            continue;
        }
        if let Some(digest) = index.instances.get(&key) {
            let dir = root.join(digest);
            match instance_check::defect(&dir, digest) {
                None => {
                    out.insert(key, dir);
                    continue;
                }
                Some(why) => eprintln!(
                    "nbench: warning: not reusing the cached instance of {} {} seed {}: {why}; \
                     materialising it again",
                    a.probe,
                    nbench_schema::params::canonical(&a.params),
                    a.seed
                ),
            }
        }
        match materialize(worker, root, a) {
            Ok(ans) => {
                index.instances.insert(key.clone(), ans.digest);
                out.insert(key, ans.dir);
                changed = true;
            }
            Err(why) => eprintln!(
                "nbench: warning: cannot materialise {} {} seed {} for foreign providers: {why}",
                a.probe,
                nbench_schema::params::canonical(&a.params),
                a.seed
            ),
        }
    }
    if changed {
        write_index(&index_path, &index)?;
    }
    Ok(out)
}

/// Removes the entries of `root` named like temporaries (a leading `.` and `.tmp` in the name)
/// that were last modified more than `older_than` ago.
fn remove_stale(root: &Path, older_than: Duration) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with('.') && name.contains(".tmp")) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > older_than);
        if stale {
            let _ = if meta.is_dir() {
                std::fs::remove_dir_all(entry.path())
            } else {
                std::fs::remove_file(entry.path())
            };
        }
    }
}

fn materialize(worker: &Path, root: &Path, a: &Attempt) -> std::result::Result<Answer, String> {
    let req = serde_json::json!({"probe": a.probe, "params": a.params, "seed": a.seed});
    let mut cmd = Command::new(worker);
    cmd.arg("materialize").arg(root);
    let out = helper::run(
        cmd,
        Some(format!("{req}\n").into_bytes()),
        MATERIALIZE_DEADLINE,
        "the json digest and directory of one instance",
    )
    .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "`{} materialize` failed ({}): {}",
            worker.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "unreadable answer from `materialize` ({e}): {}",
            String::from_utf8_lossy(&out.stdout).trim()
        )
    })
}

fn write_index(path: &Path, index: &Index) -> Result<()> {
    let text = serde_json::to_vec_pretty(index)
        .map_err(|e| Error::Runtime(format!("cannot serialize the instance index: {e}")))?;
    // Exclusive temporary, fsync, rename: a concurrent run never reads half an index.
    crate::store::durable::write_atomic(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_sits_beside_the_store() {
        if std::env::var_os("NBENCH_INSTANCE_CACHE").is_some() {
            return;
        }
        assert_eq!(
            cache_root(Path::new("results/store")),
            PathBuf::from("results/cache/instances")
        );
        assert_eq!(
            cache_root(Path::new("store")),
            PathBuf::from("./cache/instances")
        );
    }
}
