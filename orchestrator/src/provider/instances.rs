//! The instance cache (docs/providers.md): before dispatch, every `(probe, params, seed)` a foreign
//! provider will run is materialised once by `nbench-worker materialize` into
//! `<cache>/<digest>/`, and its directory handed to the attempt as `spec.cache_dir`.
//!
//! This module owns the cache root's location and its `index.json` (instance key → digest), so a
//! point already cached costs no worker call. A directory counts only while its `meta.json`
//! exists (the worker renames complete directories into place). A point that fails to
//! materialise is reported on stderr and left without an instance: its foreign attempts then
//! end as rows, never as a failed run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use super::{instance_key, is_foreign};
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

#[derive(Deserialize)]
struct Answer {
    digest: String,
    dir: PathBuf,
}

/// Materialises every foreign point of `plan` that is not cached yet; returns the instance
/// directory of each point that has one, by instance key.
pub fn prepare(plan: &[Attempt], worker: &Path, root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let index_path = root.join(INDEX);
    let mut index: BTreeMap<String, String> = std::fs::read(&index_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut changed = false;
    for a in plan.iter().filter(|a| is_foreign(&a.provider)) {
        if crate::sys::stops() > 0 {
            return Err(Error::Interrupted);
        }
        let key = instance_key(&a.probe, &a.params, a.seed);
        if out.contains_key(&key) {
            continue;
        }
        if let Some(digest) = index.get(&key) {
            let dir = root.join(digest);
            if dir.join("meta.json").is_file() {
                out.insert(key, dir);
                continue;
            }
        }
        match materialize(worker, root, a) {
            Ok(ans) => {
                index.insert(key.clone(), ans.digest);
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

fn write_index(path: &Path, index: &BTreeMap<String, String>) -> Result<()> {
    let text = serde_json::to_vec_pretty(index)
        .map_err(|e| Error::Runtime(format!("cannot serialize the instance index: {e}")))?;
    // Written beside and renamed, so a concurrent run never reads half an index.
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let fail = |source| Error::WriteFailed {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
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
