//! Every `calib.fault` kind at every stage yields exactly one row with the right status and
//! stage, the run goes on, and a hung worker's whole process group is gone afterwards.

use nbench_schema::{Stage, Status, exit};
use nbench_tests::{FAST, Nbench, alive};

fn expected(kind: &str) -> Status {
    match kind {
        "crash" | "abort" | "exit" => Status::Crashed,
        "hang" => Status::Timeout,
        "garbage" | "torn" => Status::ProtocolError,
        "flood" => Status::Ok,
        "oom" => Status::Oom,
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn every_fault_kind_at_every_stage_yields_one_row_and_the_run_goes_on() {
    let kinds = "crash,abort,exit,hang,garbage,torn,flood,oom";
    let out = Nbench::new(&["run", "--family", "calib", "--match", "calib.fault"])
        .args(&[
            "--param",
            &format!("kind={kinds}"),
            "--param",
            "stage=setup,warmup,measure",
        ])
        .args(&["--timeout-multiplier", "0.1", "--cpu-slots", "2"])
        .args(FAST)
        // With RUST_BACKTRACE set, an `oom` worker symbolises a backtrace before it aborts,
        // which on a busy machine outlasts the tenth-size deadlines and reads as a timeout.
        .env_remove("RUST_BACKTRACE")
        .with_store()
        .run();
    out.expect_code(exit::ATTEMPTS_FAILED);
    let rows = out.rows();
    assert_eq!(rows.len(), 8 * 3 * 4, "one row per attempt");
    let mut grandchildren = Vec::new();
    for r in &rows {
        let kind = r.params["kind"].as_str().unwrap();
        let stage = r.params["stage"].as_str().unwrap();
        let want = expected(kind);
        assert_eq!(r.status, want, "{kind} at {stage}: {:?}", r.failure);
        if want != Status::Ok {
            let f = r.failure.as_ref().expect("failure block");
            assert_eq!(f.stage, Stage::parse(stage), "{kind} at {stage}: {f:?}");
        }
        match kind {
            "crash" => assert_eq!(r.failure.as_ref().unwrap().signal, Some(libc::SIGSEGV)),
            "abort" => assert_eq!(r.failure.as_ref().unwrap().signal, Some(libc::SIGABRT)),
            "exit" => assert_eq!(r.failure.as_ref().unwrap().exit_code, Some(3)),
            "hang" => {
                let f = r.failure.as_ref().unwrap();
                assert!(f.limit_s.is_some());
                let tail = f.stderr_tail.as_deref().unwrap_or_default();
                let pid: u32 = tail
                    .split("grandchild pid ")
                    .nth(1)
                    .and_then(|s| s.split_whitespace().next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("hang row lacks the grandchild pid: {tail:?}"));
                grandchildren.push(pid);
                assert!(
                    !alive(r.worker.as_ref().unwrap().pid),
                    "the hung worker is gone"
                );
            }
            "flood" => assert!(r.metrics.is_some(), "flood ends with a valid row"),
            "oom" => assert!(r.failure.as_ref().unwrap().message.contains("memory")),
            _ => {}
        }
    }
    assert_eq!(grandchildren.len(), 12);
    for pid in grandchildren {
        assert!(
            !alive(pid),
            "grandchild {pid} of a hung worker survived its process group's kill"
        );
    }
}

#[test]
fn flood_keeps_only_a_bounded_stderr_tail() {
    // A flood followed by a crash: the row carries a tail, and the tail is bounded.
    let out = Nbench::new(&["run", "--family", "calib", "--match", "calib.fault"])
        .args(&["--param", "kind=flood", "--param", "stage=setup"])
        .args(FAST)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    assert_eq!(out.rows().len(), 4);
    let line_len = std::fs::read_to_string(out.run_dir().join("rows.jsonl"))
        .unwrap()
        .lines()
        .map(str::len)
        .max()
        .unwrap();
    assert!(
        line_len < 1 << 20,
        "rows stay small after a 100 MiB stderr flood"
    );
}
