//! nbench's own life with real signals and real helper processes: durations out of range are
//! refused before anything runs, a stop during planning leaves no run behind, SIGHUP and a
//! second Ctrl-C end a run cleanly, a kept row survives Ctrl-C, workers die with a SIGKILLed
//! nbench, a hanging helper is cut off at its deadline, and output into a closed pipe exits
//! quietly. Every test is bounded in time.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, Instant};

use nbench_schema::{Status, exit};
use nbench_tests::{FAST, Nbench, alive, fake_worker};

fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !ready() {
        assert!(
            t0.elapsed() < limit,
            "{what} did not happen within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            panic!("nbench did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &std::process::Child, sig: i32) {
    unsafe { libc::kill(child.id() as i32, sig) };
}

/// A worker whose attempts record their pid in `dir` (`pid-N`) once running, then run `rest`.
fn pid_worker(dir: &Path, rest: &str) -> std::path::PathBuf {
    let body = format!(
        "emit(hello)\nemit({{'event': 'stage', 'stage': 'setup'}})\nopen(os.path.join(os.path.dirname(sys.argv[0]), 'pid-%d' % os.getpid()), 'w').close()\n{rest}"
    );
    fake_worker::write(dir, &body, None)
}

fn pids(dir: &Path) -> Vec<u32> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_prefix("pid-")?
                .parse()
                .ok()
        })
        .collect()
}

fn single_run(store: &Path) -> std::path::PathBuf {
    let dirs: Vec<_> = std::fs::read_dir(store)
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(dirs.len(), 1, "one run directory");
    dirs[0].path()
}

#[test]
fn out_of_range_durations_are_refused_naming_the_range() {
    for (args, words) in [
        (vec!["--timeout-multiplier", "1e18"], "(0, 604800] seconds"),
        (
            vec!["--gpu-settle", "1e20"],
            "--gpu-settle must be within [0, 3600]",
        ),
    ] {
        Nbench::sleep("1")
            .args(&args)
            .with_store()
            .run_within(Duration::from_secs(30))
            .expect_code(exit::BAD_INPUT)
            .stderr_has(&[words])
            .expect_no_run("nothing ran");
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("nbench.toml");
    std::fs::write(&cfg, "[timeouts]\nmeasure_s = 1e300\n").unwrap();
    Nbench::sleep("1")
        .args(&["--config", cfg.to_str().unwrap()])
        .with_store()
        .run_within(Duration::from_secs(30))
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["timeouts.measure_s", "(0, 604800] seconds"]);
}

#[test]
fn a_non_utf8_argument_is_recorded_not_a_panic() {
    let store = tempfile::tempdir().unwrap();
    let odd = store.path().join(OsStr::from_bytes(b"st\xffre"));
    let out = std::process::Command::new(nbench_tests::bin("nbench"))
        .args([
            "run",
            "--family",
            "calib",
            "--match",
            "calib.sleep",
            "--param",
            "ms=1",
        ])
        .args(FAST)
        .arg("--store")
        .arg(&odd)
        .env_remove("NBENCH_WORKER")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit::SUCCESS), "{stderr}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(single_run(&odd).join("manifest.json")).unwrap())
            .unwrap();
    let line = m["command_line"].to_string();
    assert!(line.contains("st\u{fffd}re"), "{line}");
}

#[test]
fn a_stop_while_planning_leaves_no_run_directory() {
    // The catalogue helper hangs; Ctrl-C must end nbench at once, with nothing in the store.
    let dir = tempfile::tempdir().unwrap();
    let w = fake_worker::write(dir.path(), "", Some("time.sleep(60)"));
    let nb = Nbench::new(&["run", "--worker", w.to_str().unwrap()]).with_store();
    let mut child = nb.spawn();
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGINT);
    let st = wait_exit(&mut child, Duration::from_secs(10));
    assert_eq!(st.code(), Some(exit::INTERRUPTED));
    assert_eq!(
        std::fs::read_dir(nb.store.path()).unwrap().count(),
        0,
        "no run directory"
    );
}

#[test]
fn a_hanging_catalogue_helper_is_cut_off_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let w = fake_worker::write(dir.path(), "", Some("time.sleep(60)"));
    Nbench::new(&["list", "--worker", w.to_str().unwrap()])
        .env("NBENCH_HELPER_DEADLINE_S", "1")
        .run_within(Duration::from_secs(20))
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["fake-worker list", "did not finish within 1s", "catalogue"]);
    // A catalogue printed by a helper whose child keeps stdout open is still read at once.
    let w = fake_worker::write(
        dir.path(),
        "",
        Some(
            "print(CATALOGUE, flush=True)\nif os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)",
        ),
    );
    let out =
        Nbench::new(&["list", "--worker", w.to_str().unwrap()]).run_within(Duration::from_secs(20));
    out.expect_code(exit::SUCCESS);
    assert!(out.stdout.contains("fake.echo"), "{}", out.stdout);
}

#[test]
fn sighup_ends_a_run_like_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let w = pid_worker(dir.path(), "time.sleep(60)");
    let nb = Nbench::new(&["run", "--worker", w.to_str().unwrap()])
        .args(FAST)
        .with_store();
    let mut child = nb.spawn();
    wait_for("a worker", Duration::from_secs(30), || {
        !pids(dir.path()).is_empty()
    });
    signal(&child, libc::SIGHUP);
    let st = wait_exit(&mut child, Duration::from_secs(15));
    assert_eq!(st.code(), Some(exit::INTERRUPTED));
    let run = single_run(nb.store.path());
    let rows = nbench_tests::read_rows(&run.join("rows.jsonl"));
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r.status == Status::Interrupted));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["status"], "interrupted");
    assert!(pids(dir.path()).into_iter().all(|p| !alive(p)));
}

#[test]
fn a_second_ctrl_c_ends_the_run_at_once() {
    // The worker ignores SIGINT and SIGTERM; two Ctrl-Cs in a row must still end nbench with
    // 130, one row per attempt and an interrupted manifest.
    let dir = tempfile::tempdir().unwrap();
    let w = pid_worker(
        dir.path(),
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)",
    );
    let nb = Nbench::new(&["run", "--worker", w.to_str().unwrap()])
        .args(FAST)
        .with_store();
    let mut child = nb.spawn();
    wait_for("a worker", Duration::from_secs(30), || {
        !pids(dir.path()).is_empty()
    });
    signal(&child, libc::SIGINT);
    signal(&child, libc::SIGINT);
    let t0 = Instant::now();
    let st = wait_exit(&mut child, Duration::from_secs(15));
    assert_eq!(st.code(), Some(exit::INTERRUPTED));
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    let run = single_run(nb.store.path());
    let rows = nbench_tests::read_rows(&run.join("rows.jsonl"));
    assert_eq!(rows.len(), 4, "one row per attempt");
    assert!(rows.iter().all(|r| r.status == Status::Interrupted));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["status"], "interrupted");
    wait_for("the workers' death", Duration::from_secs(5), || {
        pids(dir.path()).into_iter().all(|p| !alive(p))
    });
}

#[test]
fn a_row_received_before_ctrl_c_is_kept() {
    // The worker sends its row, then lingers (inside its 5 s exit allowance); Ctrl-C then must
    // keep the measured row, not replace it with `interrupted`.
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "emit(hello)\n{}\nemit({{'event': 'row', 'row': row}})\nopen(os.path.join(os.path.dirname(sys.argv[0]), 'pid-%d' % os.getpid()), 'w').close()\ntime.sleep(60)",
        fake_worker::ROW
    );
    let w = fake_worker::write(dir.path(), &body, None);
    let nb = Nbench::new(&["run", "--worker", w.to_str().unwrap()])
        .args(FAST)
        .with_store();
    let mut child = nb.spawn();
    wait_for("a row", Duration::from_secs(30), || {
        !pids(dir.path()).is_empty()
    });
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, libc::SIGINT);
    assert_eq!(
        wait_exit(&mut child, Duration::from_secs(15)).code(),
        Some(exit::INTERRUPTED)
    );
    let rows = nbench_tests::read_rows(&single_run(nb.store.path()).join("rows.jsonl"));
    assert_eq!(rows.len(), 4);
    let first = rows
        .iter()
        .find(|r| r.seed == rows.iter().map(|r| r.seed).min().unwrap());
    assert_eq!(
        rows.iter().filter(|r| r.status == Status::Ok).count(),
        1,
        "{first:?}"
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == Status::Interrupted)
            .count(),
        3
    );
}

#[test]
fn workers_die_with_a_sigkilled_nbench() {
    let dir = tempfile::tempdir().unwrap();
    let w = pid_worker(dir.path(), "time.sleep(60)");
    let nb = Nbench::new(&["run", "--worker", w.to_str().unwrap()])
        .args(FAST)
        .with_store();
    let mut child = nb.spawn();
    wait_for("a worker", Duration::from_secs(30), || {
        !pids(dir.path()).is_empty()
    });
    let workers = pids(dir.path());
    signal(&child, libc::SIGKILL);
    let _ = child.wait();
    wait_for(
        "the worker's death with nbench",
        Duration::from_secs(5),
        || workers.iter().all(|&p| !alive(p)),
    );
}

#[test]
fn output_into_a_closed_pipe_exits_quietly() {
    let nb = Nbench::sleep("1,2,3,4,5,6,7,8").args(&["--dry-run"]);
    let mut child = nb.spawn();
    drop(child.stdout.take()); // the reader is gone before nbench prints the plan
    let st = wait_exit(&mut child, Duration::from_secs(30));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
    assert_eq!(st.code(), Some(141), "{err}");
}
