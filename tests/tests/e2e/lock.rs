//! The benchmark lock with real processes: a run waits (saying so) while another process holds
//! the machine lock, named by `--lock` or `NBENCH_LOCK`; `--no-lock` does not wait; `prune`
//! never deletes a run that is running, and does delete it once it has finished.

use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use nbench_schema::exit;
use nbench_tests::{FAST, Nbench};

fn hold(path: &Path) -> std::fs::File {
    let f = std::fs::File::create(path).expect("lock file");
    // SAFETY: flock on a descriptor we own.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
    f
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn a_run_waits_for_the_machine_lock_and_says_so() {
    let locks = tempfile::tempdir().expect("tempdir");
    let path = locks.path().join("machine.lock");
    let held = hold(&path);
    for named in ["flag", "env"] {
        let mut nb = Nbench::sleep("1").args(FAST);
        nb = match named {
            "flag" => nb.args(&["--lock", &path.display().to_string()]),
            _ => nb.env("NBENCH_LOCK", &path.display().to_string()),
        };
        let nb = nb.with_store();
        let mut child = nb.spawn();
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            child.try_wait().expect("poll").is_none(),
            "{named}: did not wait"
        );
        assert_eq!(entries(nb.store.path()), 0, "{named}: started while locked");
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("waiting for the benchmark lock") && stderr.contains("machine.lock"),
            "{named}: {stderr}"
        );
    }
    // --no-lock runs at once, the lock still held.
    Nbench::sleep("1")
        .args(FAST)
        .args(&["--no-lock", "--lock", &path.display().to_string()])
        .run()
        .expect_code(exit::BAD_INPUT);
    Nbench::sleep("1")
        .args(FAST)
        .args(&["--no-lock"])
        .env("NBENCH_LOCK", &path.display().to_string())
        .with_store()
        .run()
        .expect_code(0);
    // Released: a waiting run goes on and finishes.
    let nb = Nbench::sleep("1")
        .args(FAST)
        .env("NBENCH_LOCK", &path.display().to_string())
        .with_store();
    let child = nb.spawn();
    std::thread::sleep(Duration::from_millis(500));
    drop(held);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn two_runs_with_one_lock_never_overlap() {
    let locks = tempfile::tempdir().expect("tempdir");
    let path = locks.path().join("machine.lock").display().to_string();
    let store = tempfile::tempdir().expect("tempdir");
    let s = store.path().display().to_string();
    let a = Nbench::sleep("200")
        .args(FAST)
        .args(&["--store", &s])
        .env("NBENCH_LOCK", &path);
    let b = Nbench::sleep("200")
        .args(FAST)
        .args(&["--store", &s])
        .env("NBENCH_LOCK", &path);
    let (ca, cb) = (a.spawn(), b.spawn());
    assert_eq!(ca.wait_with_output().expect("a").status.code(), Some(0));
    assert_eq!(cb.wait_with_output().expect("b").status.code(), Some(0));
    let mut spans = Vec::new();
    for e in std::fs::read_dir(store.path())
        .expect("store")
        .filter_map(|e| e.ok())
    {
        let rows = nbench_tests::read_rows(&e.path().join("rows.jsonl"));
        assert_eq!(rows.len(), 4);
        let start = rows
            .iter()
            .map(|r| r.started_at.clone())
            .min()
            .expect("rows");
        let end = rows
            .iter()
            .map(|r| r.finished_at.clone())
            .max()
            .expect("rows");
        spans.push((start, end));
    }
    assert_eq!(spans.len(), 2, "two run directories");
    spans.sort();
    assert!(spans[0].1 <= spans[1].0, "the runs overlapped: {spans:?}");
}

#[test]
fn prune_skips_a_running_run() {
    let nb = Nbench::sleep("300").args(FAST).with_store();
    let child = nb.spawn();
    let store = nb.store.path().display().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let found = std::fs::read_dir(nb.store.path())
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.join("manifest.json").is_file());
        if let Some(p) = found {
            break p;
        }
        assert!(Instant::now() < deadline, "no run started");
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = Nbench::new(&["prune", "--keep", "0", "--store", &store]).run();
    out.expect_code(0);
    assert!(
        out.stdout.contains("skipped") && out.stdout.contains("(running)"),
        "{}",
        out.stdout
    );
    assert!(run.is_dir(), "prune deleted a running run");
    assert_eq!(
        child.wait_with_output().expect("wait").status.code(),
        Some(0)
    );
    Nbench::new(&["prune", "--keep", "0", "--store", &store])
        .run()
        .expect_code(0);
    assert!(!run.exists(), "a finished run is pruned");
}
