//! The GPU check without a GPU: `scripts/gpu-report.py` judged on synthetic check folders
//! (`tests/fixtures/gpu/synth.py`: a clean one passes every check, and each planted fault fails
//! exactly its own check), its plan covering every cuda backend of the live catalogue, and
//! `scripts/gpu-check.sh` failing fast, in seconds, on a machine without a CUDA driver, after
//! finding (and linking under a name cudarc tries) a CUDA 13 `libnvrtc.so.13`.
//!
//! The real check runs on a GPU machine (docs/gpu.md); nothing here measures anything.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use nbench_tests::bin_dir;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

fn run(cmd: &mut Command) -> (i32, String) {
    let out: Output = cmd
        .output()
        .expect("python3 and bash are needed for these tests");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn report(dir: &Path) -> (i32, String) {
    run(Command::new("python3")
        .arg(repo().join("scripts/gpu-report.py"))
        .arg("report")
        .arg(dir))
}

/// A synthetic check folder with `fault` planted, from the committed catalogue.
fn synth(root: &Path, fault: &str) -> PathBuf {
    let dir = root.join(fault);
    let (code, text) = run(Command::new("python3")
        .arg(repo().join("tests/fixtures/gpu/synth.py"))
        .arg(repo().join("tests/fixtures/gpu/catalogue.json"))
        .arg(&dir)
        .arg(fault));
    assert_eq!(code, 0, "synth.py {fault}: {text}");
    dir
}

/// The names of the checks the report says failed.
fn failed_checks(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("FAIL "))
        .map(|l| l.split(": ").next().unwrap_or(l).to_string())
        .collect()
}

fn every_row(dir: &Path) -> Vec<nbench_schema::Row> {
    let mut rows = Vec::new();
    for run in std::fs::read_dir(dir.join("store")).expect("store") {
        for id in std::fs::read_dir(run.expect("run").path()).expect("run dir") {
            let text = std::fs::read_to_string(id.expect("id").path().join("rows.jsonl"))
                .expect("rows.jsonl");
            for line in text.lines() {
                rows.push(nbench_schema::parse_row(line).expect("a schema-v1 row"));
            }
        }
    }
    rows
}

#[test]
fn a_complete_check_passes_every_check_and_renders_its_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synth(tmp.path(), "none");
    // The synthetic rows are real schema-v1 rows, so the report reads what nbench writes.
    let rows = every_row(&dir);
    assert!(
        rows.iter()
            .any(|r| r.platform == "cuda" && r.provider == "torch")
    );
    let (code, text) = report(&dir);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("9 of 9 checks passed"), "{text}");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    insta::assert_snapshot!(md);
}

#[test]
fn each_planted_fault_fails_exactly_its_check() {
    const FIDELITY: &str = "every cuda backend passes fidelity at every planned point and seed";
    let cases: &[(&str, &[&str])] = &[
        ("fidelity", &[FIDELITY]),
        ("concurrent", &["never two attempts on the device at once"]),
        (
            "wall",
            &["cuda-event sample time fits in the worker's wall time"],
        ),
        (
            "device-mem",
            &["vec.add peak device memory within 2x of its inputs at its largest size"],
        ),
        (
            "no-overlap",
            &["cpu and gpu attempts overlap in the mixed run"],
        ),
        (
            "torch-missing",
            &["the torch provider on cuda passes fidelity, one probe per family or more"],
        ),
        ("budget", &["every planned run completed", FIDELITY]),
        ("two-devices", &["nbench sees one device, by name"]),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (fault, expected) in cases {
        let dir = synth(tmp.path(), fault);
        let (code, text) = report(&dir);
        assert_eq!(code, 1, "{fault}: {text}");
        assert_eq!(failed_checks(&text), *expected, "{fault}: {text}");
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("**FAIL**"), "{fault}: {md}");
        for check in *expected {
            assert!(md.contains(&format!("### FAIL: {check}")), "{fault}: {md}");
        }
    }
}

#[test]
fn unusable_input_is_refused_naming_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, text) = report(&tmp.path().join("absent"));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is not a directory"), "{text}");

    let dir = synth(tmp.path(), "none");
    std::fs::write(dir.join("gpus.json"), "[{").unwrap();
    let (code, text) = report(&dir);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("gpus.json is not valid json"), "{text}");

    let (code, text) = run(Command::new("python3")
        .arg(repo().join("scripts/gpu-report.py"))
        .arg("plan")
        .arg(repo().join("tests/fixtures/gpu/catalogue.json"))
        .arg("zero"));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("CPU_SLOTS must be a whole number"), "{text}");
}

#[test]
fn the_plan_covers_every_cuda_backend_of_the_live_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(bin_dir().join("nbench-worker"))
        .arg("list")
        .output()
        .unwrap();
    let cat_path = tmp.path().join("catalogue.json");
    std::fs::write(&cat_path, &out.stdout).unwrap();
    let cat: Vec<nbench_schema::ProbeInfo> = serde_json::from_slice(&out.stdout).unwrap();
    let (code, plan) = run(Command::new("python3")
        .arg(repo().join("scripts/gpu-report.py"))
        .arg("plan")
        .arg(&cat_path)
        .arg("4"));
    assert_eq!(code, 0, "{plan}");
    let runs: Vec<&str> = plan.lines().collect();
    assert!(
        runs[0].contains("--platforms cpu,cuda --cpu-slots 4"),
        "{plan}"
    );
    assert!(runs[0].contains("--provider torch"), "{plan}");
    let with_cuda = cat
        .iter()
        .filter(|p| !p.hidden && p.backends.iter().any(|b| b.platform == "cuda"));
    let mut n = 0;
    for p in with_cuda {
        n += 1;
        let matched = format!("--match {} ", p.name);
        let on = |r: &&str| format!("{r} ").contains(&matched);
        assert!(on(&runs[0]), "{} is not in the mixed run: {plan}", p.name);
        let size = p.axis("size").expect("cuda probes are sized");
        let largest = size
            .values
            .iter()
            .map(|v| v.to_string())
            .max_by_key(|v| v.parse::<u64>().unwrap_or(0));
        let largest = format!("--param size={}", largest.unwrap());
        assert!(
            runs.iter()
                .any(|r| on(r) && r.contains("--platforms cuda ") && r.contains(&largest)),
            "{} has no run at {largest}: {plan}",
            p.name
        );
    }
    assert!(n >= 7, "only {n} probes with a cuda backend");
}

fn gpu_check(out: &Path, env: &[(&str, &Path)]) -> (i32, String, Duration) {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("scripts/gpu-check.sh"))
        .arg(out)
        .env("NBENCH_BIN_DIR", bin_dir())
        .env("NBENCH_PYTHON", "python3")
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("CUDA_HOME")
        .env_remove("CUDA_PATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let t = Instant::now();
    let (code, text) = run(&mut cmd);
    (code, text, t.elapsed())
}

/// Whether this machine has a CUDA driver the worker loads (then the fail-fast path cannot be
/// seen here).
fn driver_here() -> bool {
    let (_, text) = run(Command::new(bin_dir().join("nbench-worker")).arg("cuda-libs"));
    let here = text.contains("found    libcuda");
    if here {
        eprintln!("skipped: this machine has a cuda driver, so gpu-check.sh does not fail fast");
    }
    here
}

#[test]
fn without_a_driver_the_check_fails_fast_saying_what_is_missing() {
    if driver_here() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, text, took) = gpu_check(&out, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(took < Duration::from_secs(60), "took {took:?}: {text}");
    assert!(text.contains("missing  libcuda"), "{text}");
    assert!(text.contains("no usable GPU"), "{text}");
    assert!(
        text.contains("no libcuda.so.* in any searched folder"),
        "{text}"
    );
    let log = std::fs::read_to_string(out.join("gpu-check.log")).expect("the log is kept");
    assert!(log.contains("no usable GPU"), "{log}");
    assert!(!out.join("store").exists(), "nothing ran");

    // A second check into the same folder is refused: runs never mix.
    let (code, text, _) = gpu_check(&out, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is not empty"), "{text}");
    let (code, text, _) = gpu_check(&tmp.path().join("o2"), &[("NBENCH_BIN_DIR", tmp.path())]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("cargo build --release"), "{text}");
}

/// A real libnvrtc.so.12: scripts/cuda-check.sh installs NVIDIA's wheel under target/ (CI
/// runs it before the tests).
fn real_nvrtc() -> Option<PathBuf> {
    let venv = repo().join("target/cuda-check-venv/lib");
    let found = std::fs::read_dir(&venv).ok().and_then(|d| {
        d.flatten()
            .map(|e| {
                e.path()
                    .join("site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12")
            })
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no libnvrtc.so.12 under {}: run scripts/cuda-check.sh first (.ci/run does)",
            venv.display()
        );
        eprintln!(
            "skipped: no libnvrtc.so.12 under {}; run scripts/cuda-check.sh",
            venv.display()
        );
    }
    found
}

#[test]
fn a_cuda_13_nvrtc_is_linked_under_a_name_cudarc_tries_and_a_cuda_12_one_preferred() {
    if driver_here() {
        return;
    }
    let Some(nvrtc) = real_nvrtc() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // CUDA 13's soname on a library the loader accepts under any name.
    let cuda13 = tmp.path().join("cuda-13.0");
    std::fs::create_dir_all(cuda13.join("lib64")).unwrap();
    let thirteen = cuda13.join("lib64/libnvrtc.so.13");
    std::os::unix::fs::symlink(&nvrtc, &thirteen).unwrap();
    let (code, text, _) = gpu_check(&tmp.path().join("a"), &[("CUDA_HOME", &cuda13)]);
    assert_eq!(code, 2, "still no driver: {text}");
    assert!(
        text.contains(&format!("libnvrtc: picked {}", thirteen.display())),
        "{text}"
    );
    assert!(
        text.contains("cudarc never asks for libnvrtc.so.13"),
        "{text}"
    );
    let real = std::fs::canonicalize(&nvrtc).unwrap();
    assert!(
        text.contains(&format!(
            "found    libnvrtc   as libnvrtc.so from {}",
            real.display()
        )),
        "the worker loaded it through the link: {text}"
    );

    // With a CUDA 12 soname anywhere searched, that one is taken as it is.
    let cuda12 = tmp.path().join("cuda-12.8");
    std::fs::create_dir_all(cuda12.join("lib64")).unwrap();
    let twelve = cuda12.join("lib64/libnvrtc.so.12");
    std::os::unix::fs::symlink(&nvrtc, &twelve).unwrap();
    let (code, text, _) = gpu_check(
        &tmp.path().join("b"),
        &[("CUDA_HOME", &cuda13), ("CUDA_PATH", &cuda12)],
    );
    assert_eq!(code, 2, "still no driver: {text}");
    assert!(
        text.contains(&format!("libnvrtc: picked {}", twelve.display())),
        "{text}"
    );
    assert!(!text.contains("cudarc never asks for libnvrtc"), "{text}");
    assert!(
        text.contains("found    libnvrtc   as libnvrtc.so.12"),
        "{text}"
    );
}
