//! `nbench compare` end to end with the real binaries: A/A runs of `calib.spin` pass, a
//! slowdown injected with `NBENCH_CALIB_SCALE` fails naming its keys, a crashed attempt fails,
//! bad or too-new input exits 2. No timing assertions. The output formats of a fixed synthetic
//! comparison are in `compare_outputs.rs`; `nbench ab` is in `ab.rs`.

use nbench_schema::{Row, exit};
use nbench_tests::{AA_LOOSE, FAST, Nbench, SPIN, compare, fixture_line, write_rows};

/// Timing-sensitive tests take this so they do not measure each other on a 2-core machine.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn spin_run(scale: Option<&str>) -> nbench_tests::Output {
    let mut n = Nbench::new(&["run"]).args(SPIN).args(FAST).with_store();
    if let Some(s) = scale {
        n = n.env("NBENCH_CALIB_SCALE", s);
    }
    let out = n.run();
    out.expect_code(exit::SUCCESS);
    out
}

#[test]
fn aa_runs_pass_and_a_fifty_percent_slowdown_fails_naming_its_keys() {
    let _guard = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let a = spin_run(None);
    let b = spin_run(None);
    let slow = spin_run(Some("1.5"));
    let aa = compare(&a.run_dir(), &b.run_dir(), AA_LOOSE);
    aa.expect_code(exit::SUCCESS);
    if !aa.stdout.contains("PASS") || !aa.stdout.contains("expected false-alarm rate") {
        aa.fail("the A/A verdict line is missing");
    }
    let bad = compare(&a.run_dir(), &slow.run_dir(), &[]);
    bad.expect_code(exit::REGRESSION);
    for key in [
        "calib.spin[work=20] calib/native/cpu",
        "calib.spin[work=60] calib/native/cpu",
    ] {
        if !bad
            .stdout
            .lines()
            .any(|l| l.starts_with("regression") && l.contains(key))
        {
            bad.fail(&format!("no regression line names {key}"));
        }
    }
    // The same through the GitHub annotations.
    let gh = compare(&a.run_dir(), &slow.run_dir(), &["--format", "github"]);
    gh.expect_code(exit::REGRESSION);
    if gh.stdout.matches("::error ").count() != 2 {
        gh.fail("expected one ::error annotation per point");
    }
}

#[test]
fn a_crashed_attempt_in_current_fails() {
    let _guard = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let crash = Nbench::new(&[
        "run",
        "--family",
        "calib",
        "--match",
        "calib.fault",
        "--param",
        "kind=crash",
        "--param",
        "stage=measure",
    ])
    .args(FAST)
    .with_store()
    .run();
    crash.expect_code(exit::ATTEMPTS_FAILED);
    // The baseline: the same keys measured ok (the crash rows with a spin row's measurements).
    let spin = spin_run(None).rows();
    let ok_rows: Vec<Row> = crash
        .rows()
        .into_iter()
        .map(|mut r| {
            let donor = &spin[0];
            r.status = donor.status.clone();
            r.failure = None;
            r.metrics = donor.metrics.clone();
            r
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let base = write_rows(dir.path(), "baseline.jsonl", &ok_rows);
    let out = compare(&base, &crash.run_dir(), &[]);
    out.expect_code(exit::REGRESSION);
    if !out.stdout.contains("ok → crashed") {
        out.fail("the status regression is not named");
    }
}

#[test]
fn bad_or_too_new_input_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = fixture_line("rows/ok.json");
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, format!("{ok}\n")).expect("write");
    let v2 = dir.path().join("v2.jsonl");
    std::fs::write(&v2, format!("{}\n", fixture_line("v2.json"))).expect("write");
    compare(&good, &v2, &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["schema_version 2"]);
    compare(&good, &dir.path().join("missing"), &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["cannot read", "missing"]);
    let junk = dir.path().join("junk.jsonl");
    std::fs::write(&junk, "{\"hello\": 1}\n").expect("write");
    compare(&good, &junk, &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["junk.jsonl:1"]);
    compare(&good, &good, &["--format", "xml"])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["invalid value 'xml'", "table, md, json, junit, github"]);
    compare(&good, &good, &["--alpha", "2"])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["gate.alpha"]);
    let cfg = dir.path().join("nbench.toml");
    std::fs::write(&cfg, "[gate]\nthreshhold = 0.1\n").expect("write");
    compare(&good, &good, &["--config", &cfg.display().to_string()])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["threshhold"]);
}
