//! Checks an instance directory before the orchestrator reuses it from `index.json` without
//! asking the worker (docs/providers.md, "Instance cache").
//!
//! This module owns the reuse rule on the orchestrator's side: `meta.json` must parse and name
//! the expected digest, every array listed must be a `.npy` file whose data bytes hash (xxh3-64)
//! to the `xxh3` recorded beside it, and the input data, hashed in order, must give the problem
//! digest itself — the same bytes the worker hashed when it generated them. It also owns the
//! identity of a worker build the index is keyed by. It never repairs anything: a directory that
//! fails goes back to `nbench-worker materialize`, which replaces it.

use std::path::Path;

use serde::Deserialize;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::error::{Error, Result};

/// The worker build an index section belongs to: xxh3-64 of the worker binary's bytes, so a
/// rebuilt generator (even under the same version number) never reuses another's instances.
pub fn worker_identity(worker: &Path) -> Result<String> {
    let bytes = std::fs::read(worker).map_err(|source| Error::Read {
        path: worker.to_path_buf(),
        source,
    })?;
    Ok(format!("{:016x}", xxh3_64(&bytes)))
}

#[derive(Deserialize)]
struct Meta {
    digest: String,
    #[serde(default)]
    inputs: Vec<Entry>,
    #[serde(default)]
    oracle: Option<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    file: String,
    xxh3: String,
}

/// Why `dir` cannot be reused as the instance `digest`; `None` when it is intact.
pub fn defect(dir: &Path, digest: &str) -> Option<String> {
    let meta_path = dir.join("meta.json");
    let meta: Meta = match std::fs::read(&meta_path) {
        Ok(b) => match serde_json::from_slice(&b) {
            Ok(m) => m,
            Err(e) => return Some(format!("{} is unreadable: {e}", meta_path.display())),
        },
        Err(e) => return Some(format!("cannot read {}: {e}", meta_path.display())),
    };
    if meta.digest != digest {
        return Some(format!(
            "{} names digest {}, the index says {digest}",
            meta_path.display(),
            meta.digest
        ));
    }
    if meta.inputs.is_empty() {
        return Some(format!("{} lists no inputs", meta_path.display()));
    }
    let mut whole = Xxh3::new();
    for entry in &meta.inputs {
        match checked_data(dir, entry) {
            Ok(data) => whole.update(&data),
            Err(why) => return Some(why),
        }
    }
    if let Some(Err(why)) = meta.oracle.as_ref().map(|o| checked_data(dir, o)) {
        return Some(why);
    }
    let got = format!("{:016x}", whole.digest());
    (got != digest).then(|| {
        format!(
            "the inputs in {} hash to {got}, not to their digest {digest}",
            dir.display()
        )
    })
}

/// The data bytes of one listed array, after checking its recorded hash.
fn checked_data(dir: &Path, entry: &Entry) -> std::result::Result<Vec<u8>, String> {
    // A name from the file must not lead out of the instance directory.
    if entry.file.is_empty() || entry.file.contains('/') || entry.file.starts_with('.') {
        return Err(format!("meta.json names a bad file `{}`", entry.file));
    }
    let path = dir.join(&entry.file);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let start =
        npy_data_start(&bytes).ok_or_else(|| format!("{} is not a .npy file", path.display()))?;
    let data = bytes[start..].to_vec();
    let got = format!("{:016x}", xxh3_64(&data));
    if got != entry.xxh3 {
        return Err(format!(
            "{} hashes to {got}, meta.json records {}",
            path.display(),
            entry.xxh3
        ));
    }
    Ok(data)
}

/// Where the data of a version 1.0 `.npy` file starts (magic, version, header length, header).
fn npy_data_start(bytes: &[u8]) -> Option<usize> {
    if bytes.get(..6)? != b"\x93NUMPY" || *bytes.get(6)? != 1 {
        return None;
    }
    let hlen = usize::from(u16::from_le_bytes([*bytes.get(8)?, *bytes.get(9)?]));
    let start = 10 + hlen;
    (start <= bytes.len()).then_some(start)
}
