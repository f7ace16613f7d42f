//! Foreign providers end to end (docs/providers.md): `nbench run --provider native,numpy` on vec probes
//! through the real binaries and the Python worker. These tests need an interpreter with NumPy
//! in `NBENCH_PYTHON` (`scripts/test.sh` builds one with `scripts/py-env.sh`). A bare
//! `cargo test` without one says so loudly on stderr and passes; under CI (`CI` set) it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use nbench_schema::{Status, exit, params::canonical};
use nbench_tests::{FAST, Nbench};

/// The vec probes the tests run: element-wise, reductions, an exact op and a softmax.
const PROBES: &[&str] = &[
    "--match",
    "vec.add",
    "--match",
    "vec.sum",
    "--match",
    "vec.argmax",
    "--match",
    "vec.softmax",
    "--size",
    "1000",
];

/// `NBENCH_PYTHON` when it can import NumPy (required under CI).
fn python_with_numpy() -> Option<String> {
    nbench_tests::python_with("numpy", std::env::var_os("CI").is_some())
}

fn cache_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn numpy_rows_share_native_digests_and_pass_fidelity() {
    let Some(py) = python_with_numpy() else {
        return;
    };
    let cache = cache_dir();
    let cache_path = cache.path().display().to_string();
    let out = Nbench::new(&["run", "--provider", "native", "--provider", "numpy"])
        .args(PROBES)
        .args(&["--backend", "scalar"])
        .args(FAST)
        .env("NBENCH_PYTHON", &py)
        .env("NBENCH_INSTANCE_CACHE", &cache_path)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let rows = out.rows();
    // 4 probes × 4 seeds × (scalar + numpy).
    assert_eq!(rows.len(), 32, "{}", out.stdout);
    let mut digests: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        if r.status != Status::Ok {
            out.fail(&format!(
                "{} {} seed {} is {}: {:?}",
                r.provider, r.probe, r.seed, r.status, r.failure
            ));
        }
        let key = format!("{} {} {}", r.probe, canonical(&r.params), r.seed);
        let d = r.problem_digest.clone().expect("every ok row has a digest");
        digests.entry(key).or_default().insert(d);
    }
    for (key, ds) in &digests {
        assert_eq!(
            ds.len(),
            1,
            "{key}: providers disagree on the digest {ds:?}"
        );
    }
    let numpy: Vec<_> = rows.iter().filter(|r| r.provider == "numpy").collect();
    assert_eq!(numpy.len(), 16);
    for r in &numpy {
        assert_eq!((r.backend.as_str(), r.platform.as_str()), ("numpy", "cpu"));
        let f = r.fidelity.as_ref().expect("numpy rows are compared");
        assert!(f.rel_to_tol.is_some_and(|x| x <= 1.0), "{f:?}");
        let t = r.metrics.as_ref().and_then(|m| m.steady_time.as_ref());
        assert!(t.is_some_and(|t| t.median > 0.0 && t.p25 <= t.p75));
        let m = r.metrics.as_ref().expect("metrics");
        assert!(m.peak_rss.is_some_and(|p| p > 0) && m.baseline_rss.is_some());
        // The Python worker follows the same steady-state warm-up rule and records it.
        let w = r.measurement.as_ref().expect("measurement");
        assert_eq!(w.warmup_steady_tol, Some(0.01));
        assert!(
            w.warmup_spent_s
                .is_some_and(|s| s >= 0.0 && s <= w.warmup_s + 0.5)
        );
    }
    // The instance cache holds one directory per point, named by its digest, and its index,
    // keyed by the worker build that generated them.
    let file: serde_json::Value = serde_json::from_slice(
        &std::fs::read(cache.path().join("index.json")).expect("index.json"),
    )
    .expect("index is json");
    assert!(file["worker"].is_string(), "{file}");
    let index: BTreeMap<String, String> =
        serde_json::from_value(file["instances"].clone()).expect("instance key → digest");
    assert_eq!(index.len(), 16);
    for d in index.values() {
        assert!(cache.path().join(d).join("meta.json").is_file());
        assert!(digests.values().any(|ds| ds.contains(d)));
    }
    let manifest = out.manifest();
    let p = &manifest["providers"][0];
    assert_eq!(
        (p["provider"].as_str(), p["available"].as_bool()),
        (Some("numpy"), Some(true))
    );
    assert!(p["versions"]["numpy"].is_string(), "{p}");
}

#[test]
fn numpy_without_numpy_is_env_failed_while_native_is_ok() {
    let Some(py) = python_with_numpy() else {
        return;
    };
    // The same interpreter, isolated from every site-packages directory: Python runs, NumPy
    // cannot be imported.
    let dir = tempfile::tempdir().expect("tempdir");
    let wrapper: PathBuf = dir.path().join("python-without-numpy");
    std::fs::write(&wrapper, format!("#!/bin/sh\nexec '{py}' -I -S \"$@\"\n")).expect("write");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let cache = cache_dir();
    let out = Nbench::new(&["run", "--provider", "native,numpy"])
        .args(&["--match", "vec.add", "--size", "100", "--backend", "scalar"])
        .args(FAST)
        .env("NBENCH_PYTHON", &py)
        .env("NBENCH_PYTHON_NUMPY", &wrapper.display().to_string())
        .env("NBENCH_INSTANCE_CACHE", &cache.path().display().to_string())
        .with_store()
        .run();
    // The run completes; failed attempts give the documented exit code.
    out.expect_code(exit::ATTEMPTS_FAILED);
    out.stderr_has(&["provider numpy on cpu is unavailable"]);
    let rows = out.rows();
    assert_eq!(rows.len(), 8);
    for r in &rows {
        if r.provider == "native" {
            assert_eq!(r.status, Status::Ok, "{:?}", r.failure);
        } else {
            assert_eq!(r.status, Status::EnvFailed, "{r:?}");
            let f = r.failure.as_ref().expect("failure");
            assert_eq!(f.reason.as_deref(), Some("provider_env_missing"), "{f:?}");
            assert!(f.message.contains("numpy"), "{}", f.message);
        }
    }
}

#[test]
fn unknown_provider_is_refused_with_the_valid_names() {
    Nbench::new(&["run", "--provider", "pandas", "--dry-run"])
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&["unknown provider `pandas`", "native, numpy, torch"]);
}

#[test]
fn dry_run_plans_each_provider_with_its_own_backends() {
    let out = Nbench::new(&["run", "--dry-run", "--provider", "native,numpy,torch"])
        .args(&["--match", "vec.add", "--size", "100"])
        .run();
    out.expect_code(exit::SUCCESS);
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains(" seed=0 "))
        .collect();
    let pairs: BTreeSet<(String, String)> = lines
        .iter()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((f.get(4)?.to_string(), f.get(5)?.to_string()))
        })
        .collect();
    assert!(
        pairs.contains(&("numpy".into(), "numpy".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("torch".into(), "torch".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("scalar".into(), "native".into())),
        "{pairs:?}"
    );
    // Default platforms are cpu only: no cuda attempt for torch.
    assert!(lines.iter().all(|l| l.ends_with(" cpu")), "{}", out.stdout);
}

#[test]
fn numpy_covers_every_family_and_skips_what_it_lacks() {
    let Some(py) = python_with_numpy() else {
        return;
    };
    let cache = cache_dir();
    let out = Nbench::new(&["run", "--provider", "numpy", "--quick"])
        .args(&["--family", "space,tensor,semiring,linop,graph,calib"])
        .args(FAST)
        .python(&py, cache.path())
        .with_store()
        .run();
    let rows = out.rows();
    let families: BTreeSet<&str> = rows.iter().map(|r| r.family.as_str()).collect();
    assert!(families.len() >= 5, "{families:?}\n{}", out.stdout);
    for r in &rows {
        if r.family == "calib" {
            // nbench's own calibration probes have no NumPy version: a skipped row.
            assert_eq!(r.status, Status::Skipped, "{r:?}");
            let reason = r.failure.as_ref().and_then(|f| f.reason.as_deref());
            assert_eq!(reason, Some("not_implemented_for_provider"));
        } else {
            assert_eq!(r.status, Status::Ok, "{} {:?}", r.probe, r.failure);
            let f = r.fidelity.as_ref().expect("compared with the oracle");
            assert!(f.rel_to_tol.is_some_and(|x| x <= 1.0), "{} {f:?}", r.probe);
        }
    }
}

#[test]
fn list_says_which_providers_are_available_and_why_not() {
    let out = Nbench::new(&["list"])
        .env("NBENCH_PYTHON_NUMPY", "/nonexistent/python")
        .env("NBENCH_PYTHON_TORCH", "/nonexistent/python")
        .run();
    out.expect_code(exit::SUCCESS);
    let providers = out.stdout.split("providers:").nth(1).unwrap_or_default();
    assert!(
        providers.contains("native  cpu   available"),
        "{}",
        out.stdout
    );
    assert!(
        providers
            .contains("numpy   cpu   unavailable: cannot run the interpreter /nonexistent/python"),
        "{}",
        out.stdout
    );
    assert!(
        providers.contains("(interpreter /nonexistent/python via NBENCH_PYTHON_NUMPY; build one with `bash scripts/py-env.sh`"),
        "{providers}"
    );
    let Some(py) = python_with_numpy() else {
        return;
    };
    let out = Nbench::new(&["list"])
        .env("NBENCH_PYTHON", &py)
        .env("NBENCH_PYTHON_TORCH", "/nonexistent/python")
        .run();
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("numpy"))
        .unwrap_or_default();
    assert!(
        line.contains("available (python 3.") && line.contains("numpy 2."),
        "{line}"
    );
}
