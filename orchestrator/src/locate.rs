//! Finding the worker binary: `--worker PATH`, then `NBENCH_WORKER`, then beside the `nbench`
//! executable, then on `PATH`. This module only resolves a path; it does not run the worker.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The native worker's file name.
pub const WORKER_NAME: &str = "nbench-worker";

/// Resolves the worker program to run.
pub fn worker(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return explicit(p, "--worker");
    }
    if let Some(p) = std::env::var_os("NBENCH_WORKER").filter(|v| !v.is_empty()) {
        return explicit(Path::new(&p), "NBENCH_WORKER");
    }
    let mut looked = Vec::new();
    if let Ok(me) = std::env::current_exe()
        && let Some(dir) = me.parent()
    {
        let beside = dir.join(WORKER_NAME);
        if is_executable(&beside) {
            return Ok(beside);
        }
        looked.push(format!("beside nbench in {}", dir.display()));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let cand = dir.join(WORKER_NAME);
            if is_executable(&cand) {
                return Ok(cand);
            }
        }
        looked.push("on PATH".to_string());
    }
    Err(Error::Worker(format!(
        "cannot find the worker binary `{WORKER_NAME}` (looked {}); build it with \
         `cargo build --release` (which builds both nbench and nbench-worker), or pass \
         --worker PATH or set NBENCH_WORKER",
        looked.join(", ")
    )))
}

pub(crate) fn explicit(p: &Path, via: &str) -> Result<PathBuf> {
    if is_executable(p) {
        Ok(p.to_path_buf())
    } else if p.exists() {
        Err(Error::Worker(format!(
            "worker {} (from {via}) is not an executable file",
            p.display()
        )))
    } else {
        Err(Error::Worker(format!(
            "worker {} (from {via}) does not exist; build it with `cargo build --release`",
            p.display()
        )))
    }
}

pub(crate) fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
