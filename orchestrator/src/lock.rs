//! The machine-wide benchmark lock and the per-run lock. Two runs measuring on one machine at
//! once pin the same cores and spoil each other's timings silently, so `run` and `ab` hold an
//! exclusive `flock` on one lock file for their whole life (waiting, with a message naming the
//! holder, while another nbench holds it). A run also holds a lock on `run.lock` in its own
//! directory, so `prune` can tell a running run from one whose nbench died. This module only
//! takes and tests locks; it decides nothing about what runs.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

/// The environment variable naming the machine lock file (as `--lock` does).
pub const LOCK_ENV: &str = "NBENCH_LOCK";
/// The per-run lock file inside a run directory.
pub const RUN_LOCK_FILE: &str = "run.lock";

/// Which machine lock a command takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// `--no-lock`: none.
    None,
    /// This file.
    Path(PathBuf),
}

impl Choice {
    /// `--no-lock`, else `--lock PATH`, else `$NBENCH_LOCK`, else [`default_path`].
    pub fn resolve(no_lock: bool, flag: Option<&Path>) -> Choice {
        if no_lock {
            return Choice::None;
        }
        let named = flag.map(Path::to_path_buf).or_else(|| {
            std::env::var_os(LOCK_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        Choice::Path(named.unwrap_or_else(default_path))
    }
}

/// `$XDG_RUNTIME_DIR/nbench.lock` when that directory exists (per user, on tmpfs), else
/// `/tmp/nbench-<uid>.lock`.
pub fn default_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from)
        && dir.is_absolute()
        && dir.is_dir()
    {
        return dir.join("nbench.lock");
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    PathBuf::from(format!("/tmp/nbench-{uid}.lock"))
}

/// A held lock; released when dropped (or when the process dies, however it dies).
#[derive(Debug)]
pub struct Held {
    _file: File,
    pub path: PathBuf,
}

/// Takes the machine lock `choice` names, waiting while another process holds it; on a wait,
/// says once on stderr who holds it. `None` for [`Choice::None`].
pub fn machine(choice: &Choice) -> Result<Option<Held>> {
    let Choice::Path(path) = choice else {
        return Ok(None);
    };
    let mut file = open(path)?;
    if !try_lock(&file).map_err(|source| unlockable(path, source))? {
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let holder = holder.trim();
        eprintln!(
            "nbench: waiting for the benchmark lock {} (held by {}); pass --no-lock to run alongside, or --lock PATH to use another",
            path.display(),
            if holder.is_empty() {
                "another nbench"
            } else {
                holder
            }
        );
        while !try_lock(&file).map_err(|source| unlockable(path, source))? {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    // Who holds it, for the next waiter's message; best effort.
    let _ = file.set_len(0).and_then(|()| {
        file.rewind()?;
        write!(file, "pid {}", std::process::id())
    });
    Ok(Some(Held {
        _file: file,
        path: path.clone(),
    }))
}

/// Takes the lock of the run directory `dir` without waiting; an error when another process
/// holds it (that run is running, or being resumed).
pub fn run(dir: &Path) -> Result<Held> {
    let path = dir.join(RUN_LOCK_FILE);
    let file = open(&path)?;
    if !try_lock(&file).map_err(|source| unlockable(&path, source))? {
        return Err(Error::bad(format!(
            "run {} is in use by another nbench (its {RUN_LOCK_FILE} is locked)",
            dir.display()
        )));
    }
    Ok(Held { _file: file, path })
}

/// Whether a live process holds the lock of run directory `dir` (false when it has none).
pub fn run_is_held(dir: &Path) -> bool {
    let Ok(file) = File::open(dir.join(RUN_LOCK_FILE)) else {
        return false;
    };
    // Taking it and dropping it at once: a lock we could take was free.
    matches!(try_lock(&file), Ok(false))
}

fn open(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|source| unlockable(path, source))
}

/// `flock(LOCK_EX | LOCK_NB)`: true when taken, false when another open file holds it.
fn try_lock(file: &File) -> std::io::Result<bool> {
    // SAFETY: flock on a descriptor we own; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EWOULDBLOCK) => Ok(false),
        Some(libc::EINTR) => Ok(false),
        _ => Err(e),
    }
}

fn unlockable(path: &Path, source: std::io::Error) -> Error {
    Error::Unwritable {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_lock_is_exclusive_and_visible_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!run_is_held(dir.path()), "no lock file: not running");
        let held = run(dir.path()).unwrap();
        assert!(run_is_held(dir.path()));
        assert!(run(dir.path()).is_err(), "a second holder");
        drop(held);
        assert!(!run_is_held(dir.path()));
    }

    #[test]
    fn no_lock_wins_over_a_path() {
        assert_eq!(Choice::resolve(true, Some(Path::new("/x"))), Choice::None);
        assert_eq!(
            Choice::resolve(false, Some(Path::new("/x"))),
            Choice::Path("/x".into())
        );
    }
}
