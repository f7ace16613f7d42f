//! `nbench import` and the shell helpers end to end, on files the real tools wrote: the
//! committed ones under tests/fixtures/import (scripts/import-fixtures.sh), the ones CI
//! regenerates into $NBENCH_IMPORT_FRESH, and hyperfine run live. Each format imports into a
//! run that `summary` and `report` read; `compare` takes a tool's file as a side, an imported
//! baseline against a native run lists what matched and what did not, and imported runs of
//! several tool invocations are gated between processes like nbench's own seeds.
//! Without hyperfine or $NBENCH_IMPORT_FRESH a test says so loudly and passes; under CI
//! (`CI` set) it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use nbench_schema::exit;
use nbench_tests::{Nbench, compare, read_rows};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/import")
}

fn required(what: &str) -> bool {
    let ci = std::env::var_os("CI").is_some();
    assert!(!ci, "{what}, and CI requires it (.ci/run installs it)");
    eprintln!("SKIPPED: {what}; .ci/run installs it");
    false
}

/// Imports `files` into `out` and checks the run directory and that summary and report read it.
fn import_and_render(files: &[&Path], out: &Path) -> Vec<nbench_schema::Row> {
    let mut args = vec!["import".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(["--out".into(), out.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = Nbench::new(&args).run();
    o.expect_code(exit::SUCCESS);
    if !o.stdout.contains("imported ") {
        o.fail("no `imported N benchmarks` line");
    }
    for f in ["rows.jsonl", "manifest.json", "summary.json"] {
        assert!(out.join(f).is_file(), "{f} missing in {}", out.display());
    }
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["kind"], "import");
    assert_eq!(m["imported"].as_array().unwrap().len(), files.len());
    let rows = read_rows(&out.join("rows.jsonl"));
    for r in &rows {
        let imp = r.imported.as_ref().expect("imported block");
        assert!(r.problem_digest.is_none() && r.fidelity.is_none() && r.worker.is_none());
        assert!(
            r.provider.starts_with(&imp.tool),
            "{} vs {}",
            r.provider,
            imp.tool
        );
        assert!(r.probe.starts_with(&format!("{}.", imp.tool)));
    }
    let o = Nbench::new(&["summary", &out.display().to_string()]).run();
    o.expect_code(exit::SUCCESS);
    if !o.stdout.contains(&rows[0].probe) {
        o.fail("summary lacks the imported probe");
    }
    let o = Nbench::new(&["report", &out.display().to_string()]).run();
    o.expect_code(exit::SUCCESS);
    if !o.stdout.contains(&rows[0].probe) {
        o.fail("report lacks the imported probe");
    }
    rows
}

#[test]
fn each_format_imports_into_a_run_that_renders() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, tool, n) in [
        ("hyperfine.json", "hyperfine", 2),
        ("google-benchmark.json", "google-benchmark", 3),
        ("criterion", "criterion", 5),
        ("pytest-benchmark-data.json", "pytest-benchmark", 3),
    ] {
        let out = tmp.path().join(tool);
        let rows = import_and_render(&[&fixtures().join(name)], &out);
        assert_eq!(rows.len(), n, "{name}");
        assert!(rows.iter().all(|r| r.family == tool), "{name}");
    }
    let html = tmp.path().join("d.html");
    Nbench::new(&[
        "plot",
        &tmp.path().join("criterion").display().to_string(),
        "--out",
        &html.display().to_string(),
    ])
    .run()
    .expect_code(exit::SUCCESS);
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("criterion.sum")
    );
}

#[test]
fn import_refuses_bad_input_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let hf = fixtures().join("hyperfine.json").display().to_string();
    let o = Nbench::new(&["import", &hf, "--format", "yaml", "--out", "x"]).run();
    o.expect_code(exit::BAD_INPUT).stderr_has(&[
        "invalid value 'yaml'",
        "auto, hyperfine, google-benchmark, criterion, pytest-benchmark",
    ]);
    let rows = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/rows/ok.json");
    Nbench::new(&[
        "import",
        &rows.display().to_string(),
        "--out",
        &out.display().to_string(),
    ])
    .run()
    .expect_code(exit::BAD_INPUT)
    .stderr_has(&["is not output of any tool nbench imports", "--format"]);
    assert!(!out.exists(), "nothing written for a bad file");
    let o = Nbench::new(&["import", &hf, "--format", "google-benchmark", "--out", "x"]).run();
    o.expect_code(exit::BAD_INPUT)
        .stderr_has(&["no `benchmarks` array"]);
    Nbench::new(&["import", &hf, "--out", &out.display().to_string()])
        .run()
        .expect_code(exit::SUCCESS);
    Nbench::new(&["import", &hf, "--out", &out.display().to_string()])
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["already holds rows.jsonl"]);
}

/// The designed case for an imported baseline against a native run: hyperfine timed whole
/// `sleep` processes; nbench's calib.sleep times one sleep call inside its worker. They are
/// different measurements with different identities (probe, backend, provider), so compare
/// matches nothing, lists every key of both sides as unmatched, and raises no false
/// regression.
#[test]
fn imported_baseline_against_a_native_run_matches_nothing_and_says_so() {
    let native = Nbench::sleep("1").with_store().run();
    native.expect_code(exit::SUCCESS);
    let run = native.run_dir();
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("c.json");
    let o = compare(
        &fixtures().join("hyperfine.json"),
        &run,
        &["--format", "json", "--out", &json.display().to_string()],
    );
    o.expect_code(exit::SUCCESS);
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(c["summary"]["points"], 0, "{c}");
    assert_eq!(c["summary"]["verdict"], "pass");
    let unmatched = c["unmatched"].as_array().unwrap();
    let side = |s: &str| unmatched.iter().filter(|u| u["side"] == s).count();
    assert_eq!((side("baseline"), side("current")), (2, 4), "{c}");
    for needle in [
        "hyperfine.commands[] seed=0 sleep 0.002/hyperfine/cpu",
        "calib.sleep[ms=1] seed=3",
    ] {
        if !o.stdout.contains(needle) {
            o.fail(&format!("the table does not list `{needle}` as unmatched"));
        }
    }
}

#[test]
fn compare_reads_a_tools_file_and_says_what_it_could_use() {
    let o = compare(
        &fixtures().join("pytest-benchmark.json"),
        &fixtures().join("pytest-benchmark-data.json"),
        &[],
    );
    o.expect_code(exit::SUCCESS);
    for needle in [
        "inconclusive",
        "baseline: 1 row imported from pytest-benchmark@5.3.1, summary statistics only",
        "current: 1 row imported from pytest-benchmark@5.3.1, samples from inside the tool's process",
        "used: min; not used: p95 (not given by the tool), per-seed rank test (no raw samples)",
        "the between-process bootstrap needs 2",
    ] {
        if !o.stdout.contains(needle) {
            o.fail(&format!("stdout lacks `{needle}`"));
        }
    }
}

/// The comparison of two imported files, rendered: deterministic for fixed inputs, with the
/// note on what the statistics could use.
#[test]
fn imported_comparison_renders_deterministically() {
    let dir = fixtures().display().to_string();
    let render = |format: &str| {
        let o = compare(
            &fixtures().join("pytest-benchmark.json"),
            &fixtures().join("pytest-benchmark-data.json"),
            &["--format", format],
        );
        o.expect_code(exit::SUCCESS);
        o.stdout.replace(&dir, "<fixtures>")
    };
    insta::assert_snapshot!("imported_compare_table", render("table"));
    insta::assert_snapshot!("imported_compare_md", render("md"));
}

fn hyperfine() -> bool {
    Command::new("hyperfine")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        || required("hyperfine is not installed (apt-get install hyperfine)")
}

/// hyperfine run `n` times over `cmd` named `work`: `n` files, `n` invocations.
fn hyperfine_files(dir: &Path, tag: &str, cmd: &str, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let f = dir.join(format!("{tag}{i}.json"));
            let s = Command::new("hyperfine")
                .args([
                    "-N",
                    "--runs",
                    "5",
                    "--command-name",
                    "work",
                    "--export-json",
                ])
                .arg(&f)
                .arg(cmd)
                .output()
                .expect("run hyperfine");
            assert!(
                s.status.success(),
                "hyperfine: {}",
                String::from_utf8_lossy(&s.stderr)
            );
            f
        })
        .collect()
}

/// Four hyperfine invocations per side, imported as one run each, are four processes per
/// side: the gate runs its between-process test and finds a command three times slower.
#[test]
fn imported_runs_of_four_invocations_are_gated_between_processes() {
    if !hyperfine() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let base = hyperfine_files(tmp.path(), "b", "sleep 0.01", 4);
    let cur = hyperfine_files(tmp.path(), "c", "sleep 0.03", 4);
    let (rb, rc) = (tmp.path().join("base"), tmp.path().join("cur"));
    let b: Vec<&Path> = base.iter().map(PathBuf::as_path).collect();
    let c: Vec<&Path> = cur.iter().map(PathBuf::as_path).collect();
    let rows = import_and_render(&b, &rb);
    let seeds: Vec<u64> = rows.iter().map(|r| r.seed).collect();
    assert_eq!(seeds, [0, 1, 2, 3], "one seed per invocation");
    import_and_render(&c, &rc);
    let o = compare(&rb, &rc, &[]);
    o.expect_code(exit::REGRESSION);
    for needle in [
        "regression",
        "between-process bootstrap over 4 pairs",
        "samples each a whole process",
    ] {
        if !o.stdout.contains(needle) {
            o.fail(&format!("stdout lacks `{needle}`"));
        }
    }
    // The same side against itself passes.
    compare(&rb, &rb, &[]).expect_code(exit::SUCCESS);
}

/// The files CI has just regenerated with the real tools (scripts/import-fixtures.sh --cheap
/// into $NBENCH_IMPORT_FRESH) import and render like the committed ones.
#[test]
fn freshly_generated_files_import() {
    let Some(dir) = std::env::var_os("NBENCH_IMPORT_FRESH").filter(|d| !d.is_empty()) else {
        required("NBENCH_IMPORT_FRESH is not set (bash scripts/import-fixtures.sh --cheap DIR)");
        return;
    };
    let dir = PathBuf::from(dir);
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "hyperfine.json",
        "hyperfine-scan.json",
        "pytest-benchmark.json",
        "pytest-benchmark-data.json",
    ] {
        let f = dir.join(name);
        assert!(f.is_file(), "{} was not generated", f.display());
        let rows = import_and_render(&[&f], &tmp.path().join(name));
        assert!(
            rows.iter().all(|r| r.status == nbench_schema::Status::Ok),
            "{name}"
        );
    }
}
