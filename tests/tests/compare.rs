//! `nbench compare`, `nbench ab` and `nbench export` end to end with the real binaries: A/A runs
//! of `calib.spin` pass, a slowdown injected with `NBENCH_CALIB_SCALE` fails naming its keys, a
//! crashed attempt fails, bad or too-new input exits 2; the Markdown, JUnit and GitHub outputs
//! of a fixed synthetic comparison are snapshot-tested. No timing assertions.

mod common;

use std::path::{Path, PathBuf};

use common::{FAST, Nbench, bin};
use nbench_schema::{Row, exit};

/// Timing-sensitive tests take this so they do not measure each other on a 2-core machine.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The A/A checks use a loose threshold: they pin the pipeline (two real runs of the same
/// build pass), while the gate's false-alarm rate at its defaults is measured by the
/// calibration in reports/gate-calibration.md, not asserted on a shared CI machine.
const AA_LOOSE: &[&str] = &["--threshold", "0.2"];

/// Small `work` values keep each attempt to tens of microseconds per call.
const SPIN: &[&str] = &[
    "--family",
    "calib",
    "--match",
    "calib.spin",
    "--param",
    "work=20,60",
];

fn spin_run(scale: Option<&str>) -> common::Output {
    let mut n = Nbench::new(&["run"]).args(SPIN).args(FAST).with_store();
    if let Some(s) = scale {
        n = n.env("NBENCH_CALIB_SCALE", s);
    }
    let out = n.run();
    out.expect_code(exit::SUCCESS);
    out
}

fn compare(a: &Path, b: &Path, extra: &[&str]) -> common::Output {
    Nbench::new(&[
        "compare",
        &a.display().to_string(),
        &b.display().to_string(),
    ])
    .args(extra)
    .run()
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
fn interleaved_ab_passes_for_one_build_and_fails_for_a_slowed_one() {
    let _guard = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let worker = bin("nbench-worker");
    let w = worker.display().to_string();
    let same = Nbench::new(&["ab", "--baseline-worker", &w, "--candidate-worker", &w])
        .args(SPIN)
        .args(FAST)
        .args(AA_LOOSE)
        .with_store()
        .run();
    same.expect_code(exit::SUCCESS);
    let rows = same.rows();
    assert_eq!(rows.len(), 16, "2 points × 4 seeds × 2 variants");
    // Counterbalanced: baseline, candidate, candidate, baseline, …
    let order: Vec<&str> = {
        let mut r: Vec<&Row> = rows.iter().collect();
        r.sort_by(|a, b| a.attempt_id.cmp(&b.attempt_id));
        r.iter()
            .map(|r| r.variant.as_deref().unwrap_or("-"))
            .collect()
    };
    assert_eq!(
        &order[..4],
        ["baseline", "candidate", "candidate", "baseline"]
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let slow = dir.path().join("slow-worker");
    std::fs::write(
        &slow,
        format!("#!/bin/sh\nNBENCH_CALIB_SCALE=1.5 exec '{w}' \"$@\"\n"),
    )
    .expect("write");
    set_exec(&slow);
    let out = Nbench::new(&[
        "ab",
        "--baseline-worker",
        &w,
        "--candidate-worker",
        &slow.display().to_string(),
    ])
    .args(SPIN)
    .args(FAST)
    .with_store()
    .run();
    out.expect_code(exit::REGRESSION);
    if !out.stdout.contains("calib.spin[work=20]") {
        out.fail("the regressed key is not named");
    }
}

fn set_exec(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
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
        .stderr_has(&["valid formats: table, md, json, junit, github"]);
    compare(&good, &good, &["--alpha", "2"])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["gate.alpha"]);
    let cfg = dir.path().join("nbench.toml");
    std::fs::write(&cfg, "[gate]\nthreshhold = 0.1\n").expect("write");
    compare(&good, &good, &["--config", &cfg.display().to_string()])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["threshhold"]);
}

fn fixture_line(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).expect("fixture")).expect("json");
    v.to_string()
}

fn write_rows(dir: &Path, name: &str, rows: &[Row]) -> PathBuf {
    let p = dir.join(name);
    let text: String = rows
        .iter()
        .map(|r| format!("{}\n", serde_json::to_string(r).expect("row")))
        .collect();
    std::fs::write(&p, text).expect("write rows");
    p
}

/// A fixed synthetic comparison: a pass, a moderate regression, an improvement, a crash and an
/// unmatched key, with deterministic samples.
fn synthetic(dir: &Path) -> (PathBuf, PathBuf) {
    let template: Row = serde_json::from_str(&fixture_line("rows/ok.json")).expect("row");
    let make = |size: i64, seed: u64, factor: f64| -> Row {
        let mut r = template.clone();
        r.params
            .insert("size".into(), nbench_schema::ParamValue::Int(size));
        r.seed = seed;
        let base = 1e-5 * size as f64;
        let s: Vec<f64> = (0..40)
            .map(|i| {
                base * factor
                    * (1.0 + 0.002 * (((i * 7 + seed as usize * 3) % 11) as f64 - 5.0))
                    * (1.0 + 0.003 * seed as f64)
            })
            .collect();
        let mut sorted = s.clone();
        sorted.sort_by(f64::total_cmp);
        let t = r
            .metrics
            .as_mut()
            .and_then(|m| m.steady_time.as_mut())
            .expect("steady_time");
        t.min = sorted[0];
        t.median = 0.5 * (sorted[19] + sorted[20]);
        t.p95 = sorted[37];
        t.n = 40;
        t.samples = Some(s);
        r
    };
    let (mut b, mut c) = (Vec::new(), Vec::new());
    for (size, factor) in [(1, 1.0), (2, 1.3), (3, 0.7), (4, 1.0)] {
        for seed in 0..4 {
            b.push(make(size, seed, 1.0));
            c.push(make(size, seed, factor));
        }
    }
    c[13].status = nbench_schema::Status::Crashed;
    c[13].metrics = None;
    c[13].failure = Some(nbench_schema::Failure {
        stage: nbench_schema::Stage::Measure,
        message: "worker was killed by signal 11 (SIGSEGV) in stage measure".into(),
        reason: None,
        exit_code: None,
        signal: Some(11),
        stderr_tail: None,
        limit_s: None,
    });
    b.push(make(5, 0, 1.0));
    (
        write_rows(dir, "baseline.jsonl", &b),
        write_rows(dir, "current.jsonl", &c),
    )
}

fn synthetic_output(format: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, c) = synthetic(dir.path());
    let out = compare(&b, &c, &["--format", format]);
    out.expect_code(exit::REGRESSION);
    out.stdout
        .replace(&dir.path().display().to_string(), "<dir>")
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(synthetic_output("md"));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!(synthetic_output("junit"));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!(synthetic_output("github"));
}

#[test]
fn renders_are_deterministic_and_json_parses() {
    for f in ["table", "md", "json", "junit", "github"] {
        assert_eq!(
            synthetic_output(f),
            synthetic_output(f),
            "{f} differs between two renders"
        );
    }
    let v: serde_json::Value =
        serde_json::from_str(&synthetic_output("json")).expect("json output parses");
    assert_eq!(v["summary"]["verdict"], "regression");
    assert_eq!(v["summary"]["regressions"], 2);
    assert_eq!(v["summary"]["improvements"], 1);
    assert_eq!(v["summary"]["unmatched"], 1);
}

#[test]
fn out_file_and_github_summary_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, c) = synthetic(dir.path());
    let junit = dir.path().join("report.xml");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let out = Nbench::new(&[
        "compare",
        &b.display().to_string(),
        &c.display().to_string(),
    ])
    .args(&[
        "--format",
        "junit",
        "--out",
        &junit.display().to_string(),
        "--github-summary",
    ])
    .env("GITHUB_STEP_SUMMARY", &summary.display().to_string())
    .run();
    out.expect_code(exit::REGRESSION);
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(xml.contains("<failure"), "{xml}");
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        md.starts_with("earlier step\n## nbench compare: ❌ regression"),
        "{md}"
    );
    if !out.stdout.contains("REGRESSION:") {
        out.fail("the table should still go to stdout with --out");
    }
    let none = Nbench::new(&[
        "compare",
        &b.display().to_string(),
        &c.display().to_string(),
        "--github-summary",
    ])
    .run();
    none.expect_code(exit::BAD_INPUT)
        .stderr_has(&["GITHUB_STEP_SUMMARY"]);
}

#[test]
fn export_writes_bmf_and_both_gab_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, _) = synthetic(dir.path());
    let bmf = dir.path().join("bmf.json");
    Nbench::new(&[
        "export",
        "--format",
        "bmf",
        "--out",
        &bmf.display().to_string(),
        &b.display().to_string(),
    ])
    .run()
    .expect_code(exit::SUCCESS);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bmf).expect("bmf")).expect("json");
    let entry = &v["vec.add[size=1] scalar/native/cpu seed=0"];
    assert!(
        entry["latency"]["value"].as_f64().is_some_and(|x| x > 0.0),
        "{v}"
    );
    let gab = dir.path().join("gab");
    Nbench::new(&[
        "export",
        "--format",
        "gab",
        "--out",
        &gab.display().to_string(),
        &b.display().to_string(),
    ])
    .run()
    .expect_code(exit::SUCCESS);
    for (file, unit) in [
        ("smaller-is-better.json", "ns"),
        ("bigger-is-better.json", "elem/s"),
    ] {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(gab.join(file)).expect("gab file"))
                .expect("json");
        let arr = v.as_array().expect("array");
        assert!(arr.iter().any(|e| e["unit"] == unit), "{file}: {v}");
    }
    Nbench::new(&["export", "--format", "csv", &b.display().to_string()])
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["valid formats: bmf, gab"]);
}

#[test]
fn gate_section_of_the_config_and_latest_over_a_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, c) = synthetic(dir.path());
    // A 30 % threshold from nbench.toml lets the +30 % point pass; the crash still fails.
    let cfg = dir.path().join("nbench.toml");
    std::fs::write(&cfg, "[gate]\nthreshold = 0.35\n").expect("write");
    let out = compare(
        &b,
        &c,
        &["--config", &cfg.display().to_string(), "--format", "json"],
    );
    out.expect_code(exit::REGRESSION);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["settings"]["threshold"], 0.35);
    assert_eq!(v["summary"]["regressions"], 1, "only the status regression");
    // A flag beats the file.
    let out = compare(
        &b,
        &c,
        &[
            "--config",
            &cfg.display().to_string(),
            "--threshold",
            "0.05",
        ],
    );
    if !out.stdout.contains("regression (moderate)") {
        out.fail("--threshold should override [gate] threshold");
    }
    // A store holding the baseline twice: refused without --latest, accepted with it.
    let store = dir.path().join("store");
    for run in ["20261122T000000Z-aaaaaa", "20261122T000100Z-bbbbbb"] {
        std::fs::create_dir_all(store.join(run)).expect("mkdir");
        std::fs::copy(&b, store.join(run).join("rows.jsonl")).expect("copy");
    }
    compare(&store, &c, &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["--latest"]);
    compare(&store, &c, &["--latest"]).expect_code(exit::REGRESSION);
}
