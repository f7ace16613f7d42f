//! The first hour's frictions, each pinned: the reference environment is found without
//! `NBENCH_PYTHON`, a skipped provider test names the exact fix, `summary` says which run it
//! picked, `ab` progress says which build each line is, and the compare table explains its
//! columns and rule. (Negative numbers and `--size abc` are in `bad_input`.)

use nbench_schema::exit;
use nbench_tests::{FAST, Nbench, bin, compare, skip_fix};

const PY_VARS: [&str; 7] = [
    "NBENCH_PYTHON",
    "NBENCH_PYTHON_NUMPY",
    "NBENCH_PYTHON_NUMPY_CPU",
    "NBENCH_PYTHON_TORCH",
    "NBENCH_PYTHON_TORCH_CPU",
    "NBENCH_PYTHON_TORCH_CUDA",
    "NBENCH_PY_WORKER",
];

#[test]
fn the_reference_environment_is_found_without_nbench_python() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin_dir = dir.path().join("results/venv/bin");
    std::fs::create_dir_all(&bin_dir).expect("mkdir");
    let python3 = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())
        .expect("a python3 (the CI machine has Python 3.11)");
    std::os::unix::fs::symlink(python3, bin_dir.join("python")).expect("symlink");
    let mut cmd = Nbench::new(&["list"]).current_dir(dir.path());
    for v in PY_VARS {
        cmd = cmd.env_remove(v);
    }
    let out = cmd
        .env("NBENCH_WORKER", &bin("nbench-worker").display().to_string())
        .run();
    out.expect_code(exit::SUCCESS);
    let venv = bin_dir.join("python").display().to_string();
    assert!(
        out.stdout.contains(&venv)
            && out
                .stdout
                .contains("via the reference environment results/venv"),
        "list names the interpreter it resolved and why:\n{}",
        out.stdout
    );
}

#[test]
fn a_skipped_torch_test_names_the_exact_fix() {
    assert!(skip_fix("torch").contains("scripts/py-env.sh --with-torch"));
    assert!(skip_fix("numpy").contains("scripts/py-env.sh results/venv"));
    assert!(!skip_fix("numpy").contains("--with-torch"));
}

#[test]
fn summary_says_which_run_it_picked() {
    let out = Nbench::sleep("0").args(FAST).with_store().run();
    out.expect_code(exit::SUCCESS);
    let run_id = out
        .run_dir()
        .file_name()
        .expect("a run dir")
        .to_string_lossy()
        .to_string();
    let store = out.store.display().to_string();
    let s = Nbench::new(&["summary", "--store", &store]).run();
    s.expect_code(exit::SUCCESS);
    assert!(
        s.stderr
            .contains(&format!("the newest run of {store}: {run_id}, started 20")),
        "{}",
        s.stderr
    );
}

#[test]
fn ab_progress_lines_name_the_side() {
    let w = bin("nbench-worker").display().to_string();
    let out = Nbench::new(&["ab", "--baseline-worker", &w, "--candidate-worker", &w])
        .args(&[
            "--family",
            "calib",
            "--match",
            "calib.sleep",
            "--param",
            "ms=0",
            "--progress",
            "lines",
        ])
        .args(FAST)
        .args(&["--threshold", "2.0"])
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let lines: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert!(
        lines.iter().any(|l| l.contains(" [baseline] ")),
        "{}",
        out.stdout
    );
    assert!(
        lines.iter().any(|l| l.contains(" [candidate] ")),
        "{}",
        out.stdout
    );
}

#[test]
fn the_compare_table_has_a_legend_with_the_rule() {
    let a = Nbench::sleep("0").args(FAST).with_store().run();
    a.expect_code(exit::SUCCESS);
    let c = compare(&a.run_dir(), &a.run_dir(), &[]);
    c.expect_code(exit::SUCCESS);
    assert!(
        c.stdout
            .contains("q(slower): the Benjamini–Hochberg-adjusted p-value")
            && c.stdout
                .contains("A point regresses when Δmin and Δmedian both exceed +5 %")
            && c.stdout.contains("q(slower) ≤ α = 0.01"),
        "{}",
        c.stdout
    );
}
