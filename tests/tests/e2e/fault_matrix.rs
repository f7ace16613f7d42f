//! The worker fault matrix: each way a real worker process can misbehave on its pipes or with
//! its signals ends as exactly one row per attempt with the right status, and nbench finishes
//! within a bound (a hang fails the test instead of stalling it). The workers are small Python
//! programs (`nbench_tests::fake_worker`); deadlines run at a tenth (setup 3 s, exit 0.5 s).

use std::time::Duration;

use nbench_schema::{Row, Status, exit};
use nbench_tests::{FAST, Nbench, Output, alive, fake_worker};

/// Runs `body` as every attempt of a fake worker's plan (4 seeds of one point).
fn run(body: &str) -> (Output, Vec<Row>) {
    let dir = tempfile::tempdir().unwrap();
    let (out, rows) = run_in(&dir, body);
    (out, rows)
}

/// [`run`] with the worker in `dir` (`os.path.dirname(sys.argv[0])` to the script).
fn run_in(dir: &tempfile::TempDir, body: &str) -> (Output, Vec<Row>) {
    let w = fake_worker::write(dir.path(), body, None);
    let out = Nbench::new(&["run", "--worker", w.to_str().unwrap()])
        .args(&["--timeout-multiplier", "0.1"])
        .args(FAST)
        .with_store()
        .run_within(Duration::from_secs(90));
    let rows = out.rows();
    assert_eq!(rows.len(), 4, "one row per attempt");
    (out, rows)
}

fn expect_all(out: &Output, rows: &[Row], status: Status, words: &str) {
    for r in rows {
        if r.status != status {
            out.fail(&format!(
                "expected {status}, got {} ({:?})",
                r.status, r.failure
            ));
        }
        if !words.is_empty() {
            let msg = &r.failure.as_ref().expect("failure").message;
            assert!(msg.contains(words), "{msg}");
        }
    }
}

#[test]
fn a_stdout_line_over_the_cap_is_cut_off_not_buffered() {
    let (out, rows) =
        run("emit(hello)\nsys.stdout.write('x' * (65 << 20)); sys.stdout.flush()\ntime.sleep(30)");
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(&out, &rows, Status::ProtocolError, "longer than 64 MiB");
}

#[test]
fn non_utf8_stdout_is_a_protocol_error() {
    let (out, rows) = run(
        "emit(hello)\nsys.stdout.buffer.write(b'\\xff\\xfe{}\\n'); sys.stdout.flush()\ntime.sleep(30)",
    );
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(&out, &rows, Status::ProtocolError, "non-UTF-8");
}

#[test]
fn an_event_before_hello_is_a_protocol_error() {
    let (out, rows) =
        run("emit({'event': 'stage', 'stage': 'setup'})\nemit(hello)\ntime.sleep(30)");
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(&out, &rows, Status::ProtocolError, "before its hello");
}

#[test]
fn output_after_the_row_is_a_protocol_error() {
    let body = format!(
        "emit(hello)\n{}\nemit({{'event': 'row', 'row': row}})\nemit({{'event': 'stage', 'stage': 'measure'}})\ntime.sleep(30)",
        fake_worker::ROW
    );
    let (out, rows) = run(&body);
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(&out, &rows, Status::ProtocolError, "after its row");
}

#[test]
fn a_row_and_then_a_hang_keeps_the_row() {
    let body = format!(
        "emit(hello)\n{}\nemit({{'event': 'row', 'row': row}})\ntime.sleep(60)",
        fake_worker::ROW
    );
    let (out, rows) = run(&body);
    out.expect_code(exit::SUCCESS);
    expect_all(&out, &rows, Status::Ok, "");
    for r in &rows {
        let w = r.worker.as_ref().unwrap();
        assert_eq!(
            w.signal,
            Some(libc::SIGKILL),
            "killed after the exit deadline"
        );
        assert!(w.wall_s < 10.0, "{}", w.wall_s);
        assert!(!alive(w.pid));
    }
}

#[test]
fn a_row_and_then_a_non_zero_exit_is_a_crash() {
    let body = format!(
        "emit(hello)\n{}\nemit({{'event': 'row', 'row': row}})\nsys.exit(7)",
        fake_worker::ROW
    );
    let (out, rows) = run(&body);
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(
        &out,
        &rows,
        Status::Crashed,
        "exited with code 7 after sending its row",
    );
}

#[test]
fn a_worker_ignoring_sigterm_is_killed_at_its_deadline() {
    let (out, rows) = run(
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nemit(hello)\nemit({'event': 'stage', 'stage': 'setup'})\nwhile True: time.sleep(1)",
    );
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(
        &out,
        &rows,
        Status::Timeout,
        "stage setup passed its 3.0s deadline",
    );
    assert!(rows.iter().all(|r| !alive(r.worker.as_ref().unwrap().pid)));
}

#[test]
fn a_stopped_worker_times_out() {
    let (out, rows) = run(
        "emit(hello)\nemit({'event': 'stage', 'stage': 'setup'})\nos.kill(os.getpid(), signal.SIGSTOP)",
    );
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(&out, &rows, Status::Timeout, "stage setup");
    assert!(rows.iter().all(|r| !alive(r.worker.as_ref().unwrap().pid)));
}

#[test]
fn a_worker_resending_its_stage_still_times_out() {
    // Only an advance restarts the clock; a worker repeating `setup` must not live forever.
    let (out, rows) = run(
        "emit(hello)\nwhile True:\n    emit({'event': 'stage', 'stage': 'setup'})\n    time.sleep(0.1)",
    );
    out.expect_code(exit::ATTEMPTS_FAILED);
    expect_all(
        &out,
        &rows,
        Status::Timeout,
        "stage setup passed its 3.0s deadline",
    );
    for r in &rows {
        assert!(r.worker.as_ref().unwrap().wall_s < 6.0, "{:?}", r.worker);
    }
}

#[test]
fn a_grandchild_holding_the_pipes_does_not_hold_the_run() {
    // The worker sends its row and exits; a grandchild in a new session (out of reach of the
    // group kill) keeps stdout and stderr open for a minute.
    let body = format!(
        "emit(hello)\n{}\nemit({{'event': 'row', 'row': row}})\nif os.fork() == 0:\n    os.setsid()\n    open(os.path.join(os.path.dirname(sys.argv[0]), 'gc-%d' % os.getpid()), 'w').close()\n    time.sleep(60)\n    os._exit(0)\ntime.sleep(0.2)\nsys.exit(0)",
        fake_worker::ROW
    );
    let dir = tempfile::tempdir().unwrap();
    let (out, rows) = run_in(&dir, &body);
    let grandchildren: Vec<i32> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_prefix("gc-")?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(grandchildren.len(), 4, "each worker left a grandchild");
    out.expect_code(exit::SUCCESS);
    expect_all(&out, &rows, Status::Ok, "");
    for r in &rows {
        assert!(r.worker.as_ref().unwrap().wall_s < 5.0, "{:?}", r.worker);
    }
    for pid in grandchildren {
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}
