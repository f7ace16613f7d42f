//! Users' own probes end to end: the Rust example (`examples/rust-probe`, built here with cargo
//! into this target directory) and the Python example and fixtures (`examples/python-probe`,
//! `tests/fixtures/sdk`, served by `python -m nbench_py serve`) through `nbench run`, `list`
//! and `check`, alone and as several workers of one run. The Python tests need NumPy and
//! xxhash in `NBENCH_PYTHON` (`scripts/py-env.sh`); without them they skip loudly, under CI
//! they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nbench_schema::{Row, Status, exit, params::canonical};
use nbench_tests::{FAST, Nbench, bin, bin_dir};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repository root")
        .to_path_buf()
}

/// Builds the Rust example into this target directory (a no-op when CI built it already).
fn rust_example() -> PathBuf {
    let target = bin_dir().parent().expect("target dir").to_path_buf();
    let manifest = repo().join("examples/rust-probe/Cargo.toml");
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args(["build", "--release", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {} failed", manifest.display());
    bin("rust-probe")
}

fn python() -> Option<String> {
    nbench_tests::python_with("xxhash, numpy", std::env::var_os("CI").is_some())
}

fn pythonpath() -> String {
    let r = repo();
    format!(
        "{}:{}:{}",
        r.join("worker/python").display(),
        r.join("examples/python-probe").display(),
        r.join("tests/fixtures/sdk").display()
    )
}

/// `nbench run --quick` of the SDK module `module` served by `py`; the worker's command line
/// and the successful run.
fn quick_run(py: &str, module: &str) -> (String, nbench_tests::Output) {
    let worker = format!("{py} -m nbench_py serve {module}");
    let mut args = vec!["run", "--worker", &worker, "--quick"];
    args.extend(FAST);
    let out = Nbench::new(&args)
        .with_store()
        .env("PYTHONPATH", &pythonpath())
        .run();
    out.expect_code(exit::SUCCESS);
    (worker, out)
}

/// Every point and seed saw one digest across its backends, and every row is `ok`.
fn assert_valid(rows: &[Row], probe: &str, backends: &[&str]) {
    let mut digests: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for r in rows.iter().filter(|r| r.probe == probe) {
        assert_eq!(r.status, Status::Ok, "{r:?}");
        let f = r.fidelity.as_ref().expect("fidelity");
        assert!(f.rel_to_tol.is_some_and(|x| x <= 1.0), "{f:?}");
        let key = format!("{} {}", canonical(&r.params), r.seed);
        digests
            .entry(key)
            .or_default()
            .insert(r.problem_digest.clone().expect("digest"));
        seen.insert(r.backend.clone());
        let cmd = r.worker.as_ref().and_then(|w| w.command.clone());
        assert!(cmd.is_some_and(|c| !c.is_empty()), "row names its worker");
    }
    assert_eq!(seen, backends.iter().map(|b| b.to_string()).collect());
    assert!(digests.values().all(|d| d.len() == 1), "{digests:?}");
}

/// The ratio of `backend` at the first point of `probe` in the run's summary.json.
fn ratio(out: &nbench_tests::Output, probe: &str, backend: &str) -> Option<f64> {
    let s = out.run_json("summary.json");
    let p = s["probes"]
        .as_array()?
        .iter()
        .find(|p| p["probe"] == probe)?
        .clone();
    let cell = p["points"][0]["cells"]
        .as_array()?
        .iter()
        .find(|c| c["backend"] == backend)?
        .clone();
    cell["ratio"].as_f64()
}

#[test]
fn the_rust_example_runs_with_the_builtin_worker_in_one_run() {
    let w = rust_example();
    let w = w.to_str().expect("utf-8 path");
    let list = Nbench::new(&["list", "--worker", "builtin", "--worker", w]).run();
    list.expect_code(exit::SUCCESS);
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("mine.matmul") && l.ends_with("rust-probe")),
        "{}",
        list.stdout
    );
    let mut args = vec!["run", "--worker", "builtin", "--worker", w, "--quick"];
    args.extend(["--match", "mine.*", "--match", "tensor.add"]);
    args.extend(FAST);
    let out = Nbench::new(&args).with_store().run();
    out.expect_code(exit::SUCCESS);
    let rows = out.rows();
    assert_valid(&rows, "mine.matmul", &["naive", "blocked"]);
    assert!(rows.iter().any(|r| r.probe == "tensor.add"));
    let by = |p: &str| {
        rows.iter()
            .find(|r| r.probe == p)
            .and_then(|r| r.worker.as_ref()?.command.clone())
            .expect("command")
    };
    assert!(by("mine.matmul")[0].ends_with("rust-probe"));
    assert!(by("tensor.add")[0].ends_with("nbench-worker"));
    assert!(
        rows.iter()
            .all(|r| r.probe != "mine.matmul" || r.reference_backend.as_deref() == Some("naive"))
    );
    assert_eq!(ratio(&out, "mine.matmul", "naive"), Some(1.0));
    assert!(ratio(&out, "mine.matmul", "blocked").is_some());
}

#[test]
fn the_python_example_runs_and_checks() {
    let Some(py) = python() else { return };
    let (worker, out) = quick_run(&py, "mybench");
    assert_valid(&out.rows(), "mine.sqdist", &["broadcast", "gemm"]);
    assert!(ratio(&out, "mine.sqdist", "gemm").is_some());
    let check = Nbench::new(&["check", "--worker", &worker, "--quick"])
        .env("PYTHONPATH", &pythonpath())
        .run();
    check.expect_code(exit::SUCCESS);
    assert!(check.stdout.contains("check passed"), "{}", check.stdout);
}

#[test]
fn a_prepared_backend_times_only_the_callable_it_returns() {
    // `sdk.add` allocates its output in the prepared step; what is timed is the bound
    // `np.add(x, y, out=out)`, and its one output passes the oracle.
    let Some(py) = python() else { return };
    let (_, out) = quick_run(&py, "addbench");
    assert_valid(&out.rows(), "sdk.add", &["numpy"]);
}

#[test]
fn sdk_faults_become_rows_and_check_names_the_point() {
    let Some(py) = python() else { return };
    let worker = format!("{py} -m nbench_py serve fixturebench");
    let mut args = vec!["run", "--worker", &worker, "--match", "fx.add", "--match"];
    args.extend(["fx.nooracle"]);
    args.extend(FAST);
    let out = Nbench::new(&args)
        .with_store()
        .env("PYTHONPATH", &pythonpath())
        .run();
    out.expect_code(exit::ATTEMPTS_FAILED);
    let rows = out.rows();
    let status = |p: &str, b: &str| {
        let r = rows.iter().find(|r| r.probe == p && r.backend == b);
        r.expect("row").clone()
    };
    assert_eq!(status("fx.add", "numpy").status, Status::Ok);
    assert_eq!(status("fx.add", "wrong").status, Status::FidelityFailed);
    let raised = status("fx.add", "raises");
    assert_eq!(raised.status, Status::Error);
    let msg = raised.failure.expect("failure").message;
    assert!(msg.contains("deliberate failure in the kernel"), "{msg}");
    assert_eq!(
        status("fx.nooracle", "numpy").status,
        Status::FidelityInconclusive
    );
    assert_eq!(ratio(&out, "fx.add", "wrong"), None);
    assert_eq!(ratio(&out, "fx.add", "numpy"), Some(1.0));
    assert_eq!(ratio(&out, "fx.nooracle", "numpy"), None);

    let check = Nbench::new(&["check", "--worker", &worker, "--match", "fx.clock"])
        .env("PYTHONPATH", &pythonpath())
        .run();
    check.expect_code(exit::ATTEMPTS_FAILED);
    assert!(
        check
            .stdout
            .contains("fx.clock at size=8 seed 0: problem digests differ"),
        "{}",
        check.stdout
    );
}

#[test]
fn bad_workers_and_declarations_are_refused_naming_them() {
    let t0 = Instant::now();
    Nbench::new(&["list", "--worker", "/bin/echo hello"])
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["/bin/echo", "unreadable catalogue", "expected a worker"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("not-a-worker");
    std::fs::write(&plain, "text").expect("write");
    let plain = plain.to_str().expect("utf-8");
    Nbench::new(&["run", "--worker", plain, "--quick"])
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&[plain, "not an executable file"]);
    assert!(t0.elapsed() < Duration::from_secs(30));
    let Some(py) = python() else { return };
    let bad = format!("{py} -m nbench_py serve badbench");
    Nbench::new(&["list", "--worker", &bad])
        .env("PYTHONPATH", &pythonpath())
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["bad.rep", "representative value `3`"]);
    let twice = format!("{py} -m nbench_py serve mybench");
    Nbench::new(&["list", "--worker", &twice, "--worker", &twice])
        .env("PYTHONPATH", &pythonpath())
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["probe `mine.sqdist` is offered by two workers"]);
}

#[test]
fn the_python_generator_reproduces_the_rust_instance_bytes() {
    let Some(py) = python() else { return };
    let cache = tempfile::tempdir().expect("tempdir");
    let mut child = std::process::Command::new(bin("nbench-worker"))
        .arg("materialize")
        .arg(cache.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("worker");
    use std::io::Write;
    let req = r#"{"probe":"tensor.matmul","params":{"size":100,"dtype":"f64"},"seed":3}"#;
    writeln!(child.stdin.take().expect("stdin"), "{req}").expect("write");
    let out = child.wait_with_output().expect("materialize");
    let ans: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let dir = ans["dir"].as_str().expect("dir");
    let script = format!(
        "import numpy as np\nfrom nbench_py.generate import Gen\n\
         g = Gen('tensor.matmul', {{'dtype': 'f64', 'size': 100}}, 3)\n\
         a, b = g.matrix_f64(100, 100, -1, 1), g.matrix_f64(100, 100, -1, 1)\n\
         assert np.array_equal(a.ravel(), np.load('{dir}/in0.npy'))\n\
         assert np.array_equal(b.ravel(), np.load('{dir}/in1.npy'))\n\
         print(g.hex())"
    );
    let py_out = std::process::Command::new(&py)
        .args(["-c", &script])
        .env("PYTHONPATH", pythonpath())
        .output()
        .expect("python");
    assert!(
        py_out.status.success(),
        "{}",
        String::from_utf8_lossy(&py_out.stderr)
    );
    let digest = String::from_utf8_lossy(&py_out.stdout).trim().to_string();
    assert_eq!(Some(digest.as_str()), ans["digest"].as_str());
}
