//! `nbench run --resume` with real processes and signals: a chaos run (72 attempts, fault
//! probes mixed in) SIGKILLed mid-run and resumed ends with exactly one final row per planned
//! attempt, no duplicate, no worker left alive, and every row written before the kill
//! byte-identical; a run stopped with Ctrl-C is completed under its own id; a resume is
//! refused naming the difference when the worker build, the plan or the policy changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nbench_schema::{Status, exit};
use nbench_tests::{FAST, Nbench, read_rows};

const FAULTS: &[&str] = &[
    "run",
    "--family",
    "calib",
    "--match",
    "calib.fault",
    "--param",
    "kind=crash,abort,exit,garbage,torn,flood",
    "--param",
    "stage=setup,warmup,measure",
    "--cpu-slots",
    "2",
];

fn only_run(store: &Path) -> Option<PathBuf> {
    std::fs::read_dir(store)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.is_dir())
}

fn lines(p: &Path) -> usize {
    std::fs::read(p).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
}

/// Processes whose environment carries `tag` (nbench's workers inherit it).
fn tagged(tag: &str) -> Vec<u32> {
    let needle = format!("NBENCH_CHAOS_TAG={tag}");
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/environ"))
                        .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()))
                        && nbench_tests::alive(*pid)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_sigkilled_chaos_run_resumes_to_exactly_one_final_row_per_attempt() {
    let tag = format!("{}-{:?}", std::process::id(), Instant::now());
    let nb = Nbench::new(FAULTS)
        .args(FAST)
        .env("NBENCH_CHAOS_TAG", &tag)
        .with_store();
    let store = nb.store.path().to_path_buf();
    let mut child = nb.spawn();
    let deadline = Instant::now() + Duration::from_secs(120);
    let dir = loop {
        if let Some(d) = only_run(&store)
            && lines(&d.join("rows.jsonl")) >= 12
        {
            break d;
        }
        assert!(Instant::now() < deadline, "the run made no progress");
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the run ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().expect("reap nbench");
    let rows_path = dir.join("rows.jsonl");
    let before = std::fs::read(&rows_path).expect("rows");
    let kept = &before[..before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1)];
    let written = kept.iter().filter(|b| **b == b'\n').count();
    assert!(written < 72, "the kill came after the last row");

    let out = Nbench::new(&["run", "--resume", &dir.display().to_string()])
        .env("NBENCH_CHAOS_TAG", &tag)
        .run();
    out.expect_code(exit::ATTEMPTS_FAILED);
    assert!(out.stdout.contains("without a final row"), "{}", out.stdout);

    let after = std::fs::read(&rows_path).expect("rows");
    assert!(
        after.starts_with(kept),
        "a row written before the kill changed"
    );
    let rows = read_rows(&rows_path);
    let mut finals: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r.run_id, rows[0].run_id, "one run id");
        if r.status != Status::Interrupted {
            *finals.entry(r.attempt_id.clone()).or_default() += 1;
        }
    }
    let want: Vec<String> = (0..72).map(|i| format!("a{i:05}")).collect();
    assert_eq!(
        finals.keys().cloned().collect::<Vec<_>>(),
        want,
        "every planned attempt"
    );
    assert!(
        finals.values().all(|n| *n == 1),
        "a duplicated final row: {finals:?}"
    );
    assert_eq!(rows.len(), 72, "no extra row of any kind");
    for r in &rows {
        if r.params["kind"].as_str() == Some("flood") {
            assert_eq!(r.status, Status::Ok, "{:?}", r.failure);
        } else {
            assert_ne!(r.status, Status::Ok);
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("m"))
            .expect("json");
    assert_eq!(manifest["status"], "complete");
    let resumes = manifest["resumes"].as_array().expect("resumes");
    assert_eq!(resumes.len(), 1);
    assert_eq!(resumes[0]["pending_attempts"], 72 - written);
    assert_eq!(resumes[0]["status"], "complete");

    let deadline = Instant::now() + Duration::from_secs(10);
    while !tagged(&tag).is_empty() {
        assert!(
            Instant::now() < deadline,
            "workers left alive: {:?}",
            tagged(&tag)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_interrupted_run_is_completed_under_its_own_id() {
    let nb = Nbench::sleep("300,301").args(FAST).with_store();
    let store = nb.store.path().to_path_buf();
    let mut child = nb.spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    let dir = loop {
        if let Some(d) = only_run(&store)
            && lines(&d.join("rows.jsonl")) >= 1
        {
            break d;
        }
        assert!(Instant::now() < deadline, "no row");
        std::thread::sleep(Duration::from_millis(10));
    };
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait().expect("wait").code(), Some(exit::INTERRUPTED));
    let first = read_rows(&dir.join("rows.jsonl"));
    assert!(first.iter().any(|r| r.status == Status::Interrupted));
    let store_arg = store.display().to_string();
    let run_id = first[0].run_id.clone();
    // By run id in the store this time.
    let out = Nbench::new(&["run", "--resume", &run_id, "--store", &store_arg]).run();
    out.expect_code(0);
    let summary = Nbench::new(&["summary", &dir.display().to_string(), "--format", "json"]).run();
    summary.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&summary.stdout).expect("json");
    assert_eq!(
        doc["rows"], 8,
        "each attempt counted once, by its final row"
    );
    assert!(
        !summary.stdout.contains("\"interrupted\""),
        "a completed attempt still counts as interrupted"
    );
    // Nothing left to do: a second resume runs nothing and succeeds.
    let again = Nbench::new(&["run", "--resume", &dir.display().to_string()]).run();
    again.expect_code(0);
    assert!(
        again.stdout.contains("0 attempts without a final row"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_resume_is_refused_naming_what_differs() {
    let run = Nbench::sleep("1").args(FAST).with_store().run();
    run.expect_code(0);
    let dir = run.run_dir();
    let d = dir.display().to_string();
    let resume = |extra: &[&str]| Nbench::new(&["run", "--resume", &d]).args(extra).run();

    resume(&["--warmup", "1"])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["--warmup cannot be given with --resume"]);

    let other = tempfile::tempdir().expect("tempdir");
    let worker = other.path().join("nbench-worker");
    let mut bytes = std::fs::read(nbench_tests::bin("nbench-worker")).expect("worker");
    bytes.push(0);
    std::fs::write(&worker, bytes).expect("copy");
    nbench_tests::set_exec(&worker);
    resume(&["--worker", &worker.display().to_string()])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["worker build differs"]);

    let manifest_path = dir.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).expect("manifest");
    let mut m: serde_json::Value = serde_json::from_str(&original).expect("json");
    m["plan"]["keys_hash"] = serde_json::json!("0000000000000000");
    std::fs::write(&manifest_path, m.to_string()).expect("write");
    resume(&[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["plan differs"]);

    let mut m: serde_json::Value = serde_json::from_str(&original).expect("json");
    m["policy"]["warmup_s"] = serde_json::json!(7.5);
    std::fs::write(&manifest_path, m.to_string()).expect("write");
    resume(&[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["policy differs", "warmup_s: 7.5 recorded"]);
}
