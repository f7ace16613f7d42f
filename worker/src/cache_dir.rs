//! Crash safety of the instance cache's directories (docs/providers.md, "Instance cache").
//!
//! This module owns how an instance directory comes into being and goes away: it is built
//! under an exclusive `.tmp-…` name beside its final place, every file and the directory are
//! fsynced, and only then is it renamed into place (and the cache directory fsynced), so after
//! a crash `<cache>/<digest>/` is either absent or complete. A temporary is removed on every
//! error path and on drop; one left by a killed process is removed once it is older than
//! [`STALE_AFTER`]. A directory found corrupt is renamed out of its digest name before it is
//! deleted, so no reader ever sees it half-deleted. It must not decide what an instance holds.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Every temporary in the cache starts with this.
pub const TMP_PREFIX: &str = ".tmp-";

/// A temporary older than this belongs to a process that died: generating and writing the
/// largest instance takes seconds.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// A temporary directory beside its final place, removed on drop unless published.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    published: bool,
}

impl TempDir {
    /// Creates `<cache>/.tmp-<tag>-<pid>-<random>` exclusively (a name already taken, by
    /// another writer or by something planted, is skipped for a fresh one).
    pub fn create(cache: &Path, tag: &str) -> std::io::Result<TempDir> {
        let mut last = None;
        for salt in 0..16u32 {
            let path = cache.join(format!(
                "{TMP_PREFIX}{tag}-{}-{:016x}",
                std::process::id(),
                random(salt)
            ));
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(TempDir {
                        path,
                        published: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
    }

    /// The temporary's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fsyncs the temporary, renames it to `dest` and fsyncs `dest`'s parent. On error the
    /// temporary is still removed on drop.
    pub fn publish(&mut self, dest: &Path) -> std::io::Result<()> {
        sync_dir(&self.path)?;
        std::fs::rename(&self.path, dest)?;
        self.published = true;
        match dest.parent() {
            Some(parent) => sync_dir(parent),
            None => Ok(()),
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Creates `path` exclusively, lets `fill` write it, flushes and fsyncs it.
pub fn write_synced(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut w = BufWriter::new(f);
    fill(&mut w)?;
    w.flush()?;
    let f = w.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()
}

/// Forces a directory's entries to disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Moves `dir` out of its name (to a fresh temporary in `cache`) and deletes it.
pub fn discard(cache: &Path, dir: &Path) -> std::io::Result<()> {
    let aside = TempDir::create(cache, "discard")?;
    // Renaming a directory onto an empty one replaces it: the guard then deletes the old
    // contents under the temporary name.
    std::fs::rename(dir, aside.path())?;
    sync_dir(cache)?;
    drop(aside);
    Ok(())
}

/// Removes every `.tmp-…` entry of `cache` last modified more than `older_than` ago; returns
/// how many went. Entries it cannot read or remove are left (another process may own them).
pub fn remove_stale(cache: &Path, older_than: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(cache) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > older_than);
        if !old {
            continue;
        }
        let gone = if meta.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
        if gone.is_ok() {
            removed += 1;
        }
    }
    removed
}

/// 64 random-enough bits for unique names: the standard library's per-process random hash
/// keys, the time, a counter and `salt`. Uniqueness, not secrecy, is what matters here.
fn random(salt: u32) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(salt);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("nbench-cachedir-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("scratch dir");
        p
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("read_dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn an_unpublished_temporary_is_removed_on_drop() {
        let cache = scratch("drop");
        {
            let t = TempDir::create(&cache, "abc").expect("create");
            write_synced(&t.path().join("x"), |w| w.write_all(b"data")).expect("write");
            assert_eq!(names(&cache).len(), 1);
        }
        assert!(names(&cache).is_empty(), "{:?}", names(&cache));
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn publish_renames_and_a_failed_publish_leaves_nothing() {
        let cache = scratch("publish");
        let dest = cache.join("d");
        let mut t = TempDir::create(&cache, "d").expect("create");
        write_synced(&t.path().join("f"), |w| w.write_all(b"1")).expect("write");
        t.publish(&dest).expect("publish");
        drop(t);
        assert_eq!(names(&cache), ["d"]);
        assert_eq!(std::fs::read(dest.join("f")).expect("f"), b"1");
        // A second publish onto the complete (non-empty) directory fails; its temporary goes.
        let mut t = TempDir::create(&cache, "d").expect("create");
        write_synced(&t.path().join("g"), |w| w.write_all(b"2")).expect("write");
        assert!(t.publish(&dest).is_err());
        drop(t);
        assert_eq!(names(&cache), ["d"]);
        // write_synced never follows or replaces an existing file.
        assert!(write_synced(&dest.join("f"), |w| w.write_all(b"x")).is_err());
        discard(&cache, &dest).expect("discard");
        assert!(names(&cache).is_empty());
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn only_old_temporaries_are_removed() {
        let cache = scratch("stale");
        let old_dir = cache.join(".tmp-old-1-2");
        std::fs::create_dir(&old_dir).expect("mkdir");
        std::fs::write(old_dir.join("in0.npy"), b"half").expect("write");
        let old_file = cache.join(".tmp-index");
        std::fs::write(&old_file, b"x").expect("write");
        let fresh = cache.join(".tmp-fresh-1-2");
        std::fs::create_dir(&fresh).expect("mkdir");
        let kept = cache.join("0123456789abcdef");
        std::fs::create_dir(&kept).expect("mkdir");
        let past = SystemTime::now() - Duration::from_secs(3600);
        for p in [&old_dir, &old_file, &kept] {
            File::open(p)
                .and_then(|f| f.set_modified(past))
                .expect("set mtime");
        }
        assert_eq!(remove_stale(&cache, STALE_AFTER), 2);
        assert_eq!(names(&cache), [".tmp-fresh-1-2", "0123456789abcdef"]);
        let _ = std::fs::remove_dir_all(&cache);
    }
}
