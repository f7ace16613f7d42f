//! End-to-end tests of `nbench summary`, `nbench report` and `nbench prune` on the real binary:
//! snapshots of every format, byte-identical reports from the same rows in any order,
//! ratios refused on failed fidelity, escaping of a hostile row in every renderer, `--latest`,
//! mixing runs from two hosts, `summary.json` beside a run, and a real measured run.

use crate::reportfix::{SCRIPT, standard, write};
use nbench_tests::{FAST, Nbench};
use serde_json::json;

fn summary(file: &std::path::Path, format: &str) -> String {
    let out = Nbench::new(&["summary", &file.display().to_string(), "--format", format]).run();
    out.expect_code(0);
    out.stdout
}

#[test]
fn summary_formats_match_their_snapshots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = write(&dir.path().join("rows.jsonl"), &standard());
    for format in ["table", "md", "json", "csv"] {
        insta::assert_snapshot!(format!("summary_{format}"), summary(&rows, format));
    }
}

#[test]
fn report_matches_its_snapshot_and_is_byte_identical_in_any_row_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = standard();
    let a = write(&dir.path().join("a.jsonl"), &rows);
    let mut reversed = rows.clone();
    reversed.reverse();
    let b = write(&dir.path().join("b.jsonl"), &reversed);
    let mut texts = Vec::new();
    for (input, out) in [(&a, "a.md"), (&b, "b.md"), (&a, "c.md")] {
        let out_path = dir.path().join(out);
        Nbench::new(&[
            "report",
            &input.display().to_string(),
            "--out",
            &out_path.display().to_string(),
        ])
        .run()
        .expect_code(0);
        texts.push(std::fs::read(&out_path).expect("report written"));
    }
    assert_eq!(texts[0], texts[1], "row order changed the report");
    assert_eq!(texts[0], texts[2], "the same rows gave different reports");
    let text = String::from_utf8(texts.remove(0)).expect("utf-8");
    insta::assert_snapshot!("report", text);
}

#[test]
fn a_ratio_is_refused_when_fidelity_failed_and_given_otherwise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = write(&dir.path().join("rows.jsonl"), &standard());
    let doc: serde_json::Value = serde_json::from_str(&summary(&rows, "json")).expect("json");
    let probe = doc["probes"]
        .as_array()
        .expect("probes")
        .iter()
        .find(|p| p["probe"] == "vec.add")
        .expect("vec.add");
    let cell = |size: i64, backend: &str| {
        let point = probe["points"]
            .as_array()
            .expect("points")
            .iter()
            .find(|p| p["params"]["size"] == size)
            .expect("point");
        point["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .find(|c| c["backend"] == backend)
            .expect("cell")
            .clone()
    };
    let fast = cell(100, "simd");
    let ratio = fast["ratio"].as_f64().expect("a ratio at size 100");
    assert!(
        (ratio - 0.25).abs() < 1e-9,
        "simd min / scalar min, got {ratio}"
    );
    let refused = cell(1000, "simd");
    assert!(
        refused["ratio"].is_null(),
        "no ratio after a fidelity failure: {refused}"
    );
    assert!(
        refused["ratio_note"]
            .as_str()
            .expect("a reason")
            .contains("failed fidelity"),
        "{refused}"
    );
    assert_eq!(refused["fidelity"], "fail");
    assert_eq!(cell(100, "scalar")["ratio_note"], "reference");
    // --reference swaps the baseline.
    let out = Nbench::new(&[
        "summary",
        &rows.display().to_string(),
        "--format",
        "json",
        "--reference",
        "simd",
    ])
    .run();
    out.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert!(
        doc["reference_rule"]
            .as_str()
            .expect("rule")
            .contains("simd")
    );
    Nbench::new(&[
        "summary",
        &rows.display().to_string(),
        "--reference",
        "nope",
    ])
    .run()
    .expect_code(2)
    .stderr_has(&["--reference nope", "present:", "scalar"]);
}

#[test]
fn a_hostile_row_is_escaped_by_every_renderer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = write(&dir.path().join("rows.jsonl"), &standard());
    let table = summary(&rows, "table");
    assert!(
        table.contains(SCRIPT),
        "the terminal shows the name as typed"
    );
    assert!(
        !table.contains('\u{1b}'),
        "no terminal escape sequence reaches the terminal"
    );

    let md = summary(&rows, "md");
    let report_path = dir.path().join("r.md");
    Nbench::new(&[
        "report",
        &rows.display().to_string(),
        "--out",
        &report_path.display().to_string(),
    ])
    .run()
    .expect_code(0);
    let report = std::fs::read_to_string(&report_path).expect("report");
    for text in [&md, &report] {
        assert!(
            !text.contains("<script>") && !text.contains("<b>"),
            "raw markup in markdown"
        );
        assert!(text.contains("&lt;script&gt;"), "markup shown as text");
        assert!(text.contains("b\\|"), "`|` would split a table cell");
        assert!(!text.contains('\u{1b}'));
        for line in text.lines().filter(|l| l.starts_with('|')) {
            let cells = line.replace("\\|", "").matches('|').count();
            // The report's tables have 5, 7, 9 and 10 columns: n columns, n + 1 delimiters.
            assert!(
                [6, 8, 10, 11].contains(&cells),
                "a table row with a stray delimiter: {line}"
            );
        }
    }
    assert!(
        report.contains("vec.&lt;script&gt;alert(1)&lt;/script&gt;"),
        "hostile failure listed"
    );

    let csv = summary(&rows, "csv");
    let hostile_line = csv
        .lines()
        .find(|l| l.contains("alert"))
        .expect("hostile row in csv");
    assert!(
        hostile_line.contains("\"'b|\"\"q\"\"'=x\"") || hostile_line.contains("\"b|\"\"q\"\"'=x\""),
        "quotes doubled inside a quoted field: {hostile_line}"
    );
    assert_eq!(
        csv.lines().count(),
        csv.matches('\n').count(),
        "no raw line break inside a record"
    );

    let json = summary(&rows, "json");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json stays valid");
    let failure = doc["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .find(|f| f["status"] == "error")
        .expect("hostile failure");
    assert!(
        failure["message"]
            .as_str()
            .expect("message")
            .starts_with(SCRIPT),
        "json keeps the text exactly"
    );
}

#[test]
fn latest_keeps_the_newest_row_per_attempt_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = crate::reportfix::ok(
        "vec.add",
        json!({"size": 100}),
        "scalar",
        0,
        1.0e-6,
        1 << 20,
    );
    let mut new = old.clone();
    new["finished_at"] = json!("2026-11-23T00:00:00.000000Z");
    new["run_id"] = json!("20261123T000000Z-ffffff");
    new["metrics"]["steady_time"]["min"] = json!(5.0e-7);
    let a = write(&dir.path().join("old.jsonl"), &[old]);
    let b = write(&dir.path().join("new.jsonl"), &[new]);
    let run = |latest: bool| {
        let mut args = vec![
            "summary".to_string(),
            a.display().to_string(),
            "--render-from".into(),
            b.display().to_string(),
            "--format".into(),
            "json".into(),
        ];
        if latest {
            args.push("--latest".into());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = Nbench::new(&argv).run();
        out.expect_code(0);
        serde_json::from_str::<serde_json::Value>(&out.stdout).expect("json")
    };
    assert_eq!(run(false)["rows"], 2);
    let latest = run(true);
    assert_eq!(latest["rows"], 1);
    assert_eq!(
        latest["probes"][0]["points"][0]["cells"][0]["time"]["min"],
        5.0e-7
    );
}

#[test]
fn rows_from_two_hosts_get_a_column_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let here = crate::reportfix::ok(
        "vec.add",
        json!({"size": 100}),
        "scalar",
        0,
        1.0e-6,
        1 << 20,
    );
    let mut there = here.clone();
    there["host"]["hostname"] = json!("gpu-box");
    there["run_id"] = json!("20261122T220000Z-000002");
    let a = write(&dir.path().join("a.jsonl"), &[here]);
    let b = write(&dir.path().join("b.jsonl"), &[there]);
    let out = Nbench::new(&[
        "summary",
        &a.display().to_string(),
        "--render-from",
        &b.display().to_string(),
    ])
    .run();
    out.expect_code(0);
    assert!(
        out.stdout.contains("scalar @bench-01") && out.stdout.contains("scalar @gpu-box"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_newer_schema_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v2: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/v2.json")).expect("v2 fixture");
    let path = write(&dir.path().join("v2.jsonl"), &[v2]);
    for cmd in ["summary", "report", "plot"] {
        let out_file = dir.path().join("out");
        Nbench::new(
            &[
                cmd,
                &path.display().to_string(),
                "--out",
                &out_file.display().to_string(),
            ][..if cmd == "summary" { 2 } else { 4 }],
        )
        .run()
        .expect_code(2)
        .stderr_has(&["schema"]);
    }
    Nbench::new(&["summary", "--format", "yaml", &path.display().to_string()])
        .run()
        .expect_code(2)
        .stderr_has(&["invalid value 'yaml'", "table, md, json, csv"]);
}

#[test]
fn prune_keeps_the_newest_runs_and_nothing_else_is_touched() {
    let store = tempfile::tempdir().expect("tempdir");
    for id in [
        "20261120T000000Z-aaaaaa",
        "20261121T000000Z-bbbbbb",
        "20261122T000000Z-cccccc",
    ] {
        let dir = store.path().join(id);
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("rows.jsonl"), "").expect("rows");
    }
    std::fs::create_dir(store.path().join("notes")).expect("mkdir");
    let s = store.path().display().to_string();
    let out = Nbench::new(&["prune", "--keep", "2", "--store", &s, "--dry-run"]).run();
    out.expect_code(0);
    assert!(
        store.path().join("20261120T000000Z-aaaaaa").exists(),
        "dry run deletes nothing"
    );
    Nbench::new(&["prune", "--keep", "1", "--store", &s])
        .run()
        .expect_code(0);
    let mut left: Vec<String> = std::fs::read_dir(store.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["20261122T000000Z-cccccc", "notes"]);
    Nbench::new(&[
        "prune",
        "--keep",
        "1",
        "--store",
        "/nonexistent/nbench-store",
    ])
    .run()
    .expect_code(2);
}

#[test]
fn a_measured_run_renders_and_leaves_its_summary_beside_the_rows() {
    let run = Nbench::new(&[
        "run",
        "--match",
        "tensor.matmul",
        "--size",
        "100",
        "--param",
        "dtype=f64",
    ])
    .args(FAST)
    .with_store()
    .run();
    run.expect_code(0);
    let dir = run.run_dir();
    let d = dir.display().to_string();
    let out = Nbench::new(&["summary", &d]).run();
    out.expect_code(0);
    assert!(
        out.stdout.contains("tensor.matmul")
            && out.stdout.contains("faer")
            && out.stdout.contains("reference"),
        "{}",
        out.stdout
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("summary.json")).expect("summary.json written"),
    )
    .expect("json");
    assert_eq!(summary["rows"], 8);
    let cells = summary["probes"][0]["points"][0]["cells"]
        .as_array()
        .expect("cells");
    assert_eq!(cells[0]["backend"], "naive", "the reference leads");
    assert!(
        cells[1]["ratio"].as_f64().is_some(),
        "faer has a ratio: {}",
        cells[1]
    );
    // With no input, the newest run of the store is rendered.
    let store = run.store.display().to_string();
    let report = Nbench::new(&["report", "--store", &store]).run();
    report.expect_code(0);
    assert!(
        report.stdout.contains("## Family tensor") && report.stdout.contains("(complete)"),
        "{}",
        report.stdout
    );
}
