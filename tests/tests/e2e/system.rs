//! End-to-end tests of `nbench system` and of the machine checks `nbench run` records: every
//! check present on this machine, byte-stable output on a fake `/sys` + `/proc` tree
//! (`tests/fixtures/system-root`, through the hidden `--root`), the fix script, bad input, the
//! checks in a run's manifest and its warnings on stderr, and the report showing them.

use std::path::PathBuf;

use nbench_tests::{FAST, Nbench, python_with};

/// Every check `nbench system` makes, in its order.
const IDS: [&str; 14] = [
    "cpu.governor",
    "cpu.boost",
    "cpu.smt",
    "cpu.isolation",
    "kernel.aslr",
    "kernel.perf_event_paranoid",
    "load.average",
    "load.busy_processes",
    "memory.pressure",
    "power.thermal",
    "power.supply",
    "power.profile",
    "numpy.blas",
    "numpy.env",
];

fn fixture_root() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/system-root")
        .display()
        .to_string()
}

/// `nbench system` on the fixture root with a fixed environment: no interpreter, one forcing
/// variable set and the others empty (which counts as unset).
fn on_fixture(args: &[&str]) -> Nbench {
    Nbench::new(&["system", "--root", &fixture_root(), "--cpu-slots", "2"])
        .args(args)
        .env("NBENCH_PYTHON", "/nonexistent/nbench-test/python3")
        .env("OPENBLAS_CORETYPE", "Haswell")
        .env("OPENBLAS_L2_SIZE", "")
        .env("MKL_ENABLE_INSTRUCTIONS", "")
        .env("NPY_DISABLE_CPU_FEATURES", "")
}

fn ids(json: &serde_json::Value) -> Vec<String> {
    json["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn system_on_this_machine_exits_0_with_every_check() {
    let out = Nbench::new(&["system", "--format", "json"]).run();
    out.expect_code(0);
    let json: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(&format!("not JSON: {e}")));
    assert_eq!(ids(&json), IDS, "{}", out.stdout);
    for c in json["checks"].as_array().expect("checks") {
        let status = c["status"].as_str().expect("status");
        assert!(["ok", "warn", "info", "unknown"].contains(&status), "{c}");
        assert!(!c["found"].as_str().expect("found").is_empty(), "{c}");
        assert!(!c["why"].as_str().expect("why").is_empty(), "{c}");
    }
    let table = Nbench::new(&["system"]).run();
    table.expect_code(0);
    for id in IDS {
        assert!(
            table.stdout.contains(id),
            "table lacks {id}:\n{}",
            table.stdout
        );
    }
    assert!(table.stdout.contains("  found: ") && table.stdout.contains("  why:   "));
}

#[test]
fn system_on_a_fixture_root_matches_its_snapshots() {
    let json = on_fixture(&["--format", "json"]).run();
    json.expect_code(0);
    insta::assert_snapshot!("system_fixture_json", json.stdout);
    let table = on_fixture(&[]).run();
    table.expect_code(0);
    insta::assert_snapshot!("system_fixture_table", table.stdout);
    let tune = on_fixture(&["tune", "--print"]).run();
    tune.expect_code(0);
    insta::assert_snapshot!("system_fixture_tune", tune.stdout);
}

#[test]
fn system_refuses_bad_input() {
    Nbench::new(&["system", "--format", "yaml"])
        .run()
        .expect_code(2)
        .stderr_has(&["yaml", "table", "json"]);
    Nbench::new(&["system", "tune"])
        .run()
        .expect_code(2)
        .stderr_has(&["--print"]);
    Nbench::new(&["system", "--cpu-slots", "0"])
        .run()
        .expect_code(2)
        .stderr_has(&["--cpu-slots must be at least 1"]);
}

/// A run records its checks in the manifest and prints each warning on stderr.
#[test]
fn run_records_the_checks_and_prints_the_warnings() {
    let out = Nbench::sleep("1").args(FAST).with_store().run();
    out.expect_code(0);
    let manifest = out.manifest();
    let checks = manifest["system"].as_array().expect("manifest.system");
    let got: Vec<&str> = checks
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    // No numpy attempt, so no interpreter is asked.
    assert_eq!(got, IDS[..12], "{manifest}");
    for c in checks.iter().filter(|c| c["status"] == "warn") {
        let line = format!(
            "nbench: warning: {}: {}",
            c["id"].as_str().expect("id"),
            c["found"].as_str().expect("found")
        );
        out.stderr_has(&[&line]);
    }
    let report = Nbench::new(&["report", &out.run_dir().display().to_string()]).run();
    report.expect_code(0);
    if !report
        .stdout
        .contains("- machine checks before the first attempt")
    {
        report.fail("the report does not show the machine checks");
    }
    for id in &got {
        let id = id.replace('_', "\\_");
        if !report.stdout.contains(&format!(" {id}: ")) {
            report.fail(&format!("the report lacks check {id}"));
        }
    }
}

/// With numpy attempts planned, the run also asks NumPy's interpreter and checks the forcing
/// variables; a set one is a warning before the first attempt.
#[test]
fn a_numpy_run_checks_its_blas_and_warns_on_a_forcing_variable() {
    let Some(py) = python_with("numpy", std::env::var_os("CI").is_some()) else {
        return;
    };
    let out = Nbench::new(&["run", "--family", "vec", "--match", "vec.sum", "--quick"])
        .args(&["--provider", "numpy"])
        .args(FAST)
        .env("NBENCH_PYTHON", &py)
        .env("OPENBLAS_CORETYPE", "Haswell")
        .with_store()
        .run();
    out.stderr_has(&["nbench: warning: numpy.env: OPENBLAS_CORETYPE=Haswell"]);
    let manifest = out.manifest();
    let blas = manifest["system"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == "numpy.blas"))
        .unwrap_or_else(|| out.fail("no numpy.blas check in the manifest"));
    let found = blas["found"].as_str().expect("found");
    assert!(found.starts_with("numpy "), "{found}");
    assert!(
        found.contains("kernel Haswell"),
        "the forced kernel is what OpenBLAS reports: {found}"
    );
}
