//! The outputs of `nbench compare` and `nbench export` over a fixed synthetic comparison (a
//! pass, a moderate regression, an improvement, a crash and an unmatched key, with
//! deterministic samples): Markdown, JUnit and GitHub snapshots, deterministic renders, `--out`
//! and `--github-summary`, the export formats, and the `[gate]` config section. Nothing here
//! measures; the gate on real runs is in `compare.rs`.

use std::path::{Path, PathBuf};

use nbench_schema::{Row, exit};
use nbench_tests::{Nbench, compare, fixture_line, write_rows};

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
        .stderr_has(&["invalid value 'csv'", "[possible values: bmf, gab]"]);
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
