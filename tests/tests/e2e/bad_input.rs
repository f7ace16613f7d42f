//! Bad input is refused before anything runs, with exit code 2 and a message naming what was
//! wrong and what is valid.

use nbench_schema::exit;
use nbench_tests::{Nbench, bin};

fn refused(args: &[&str], needles: &[&str]) {
    let out = Nbench::new(args).with_store().run();
    out.expect_code(exit::BAD_INPUT)
        .stderr_has(needles)
        .expect_no_run("a refused run must not create a run directory");
}

#[test]
fn unknown_family_lists_the_valid_ones() {
    refused(
        &["run", "--family", "nope"],
        &["unknown family `nope`", "vec", "calib"],
    );
}

#[test]
fn unmatched_probe_lists_the_valid_ones() {
    refused(
        &["run", "--match", "vec.nope"],
        &["no probe matches", "vec.add"],
    );
}

#[test]
fn unknown_backend_lists_the_valid_ones() {
    refused(
        &["run", "--match", "vec.add", "--backend", "cuda9"],
        &["unknown backend `cuda9`", "scalar"],
    );
}

#[test]
fn a_size_the_probe_lacks_lists_its_sizes() {
    refused(
        &["run", "--match", "vec.add", "--size", "123"],
        &[
            "no selected probe takes `123` for `size`",
            "(vec.add)",
            "100000",
        ],
    );
}

#[test]
fn a_size_of_the_wrong_kind_names_the_selection_not_one_probe() {
    // Across families, the value is judged against every selected probe with the axis.
    refused(
        &["run", "--family", "vec,linop", "--size", "abc"],
        &[
            "--size abc: no selected probe takes `abc` for `size`",
            "probes",
            "int",
        ],
    );
}

#[test]
fn a_size_some_selected_probes_lack_plans_the_others() {
    let out = Nbench::new(&[
        "run",
        "--family",
        "vec,tensor",
        "--size",
        "100000",
        "--dry-run",
    ])
    .run();
    out.expect_code(exit::SUCCESS);
    assert!(out.stdout.contains("vec.add size=100000"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("tensor."),
        "tensor has no size 100000: {}",
        out.stdout
    );
}

#[test]
fn a_negative_warmup_gets_the_real_validation_message() {
    refused(
        &["run", "--match", "vec.add", "--warmup", "-1"],
        &["--warmup", "must be a non-negative number", "-1"],
    );
}

#[test]
fn unknown_parameter_lists_the_parameters() {
    refused(
        &["run", "--match", "vec.add", "--param", "colour=red"],
        &["no selected probe has a parameter `colour`", "size"],
    );
}

#[test]
fn too_many_cpu_slots_says_how_many_there_are() {
    refused(
        &["run", "--quick", "--cpu-slots", "999"],
        &["--cpu-slots 999 exceeds", "usable CPUs"],
    );
}

#[test]
fn unwritable_store_fails_before_any_attempt() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let store = file.path().join("store");
    let out = Nbench::new(&["run", "--quick", "--store", store.to_str().unwrap()]).run();
    out.expect_code(exit::BAD_INPUT)
        .stderr_has(&["cannot write", &store.display().to_string()]);
    if out.stdout.contains("[") {
        out.fail("no attempt may start when the store is unwritable");
    }
}

#[test]
fn missing_worker_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let lonely = dir.path().join("nbench");
    std::fs::copy(bin("nbench"), &lonely).unwrap();
    let out = Nbench::new(&["run", "--quick"])
        .program(&lonely)
        .env("PATH", "/nonexistent")
        .run();
    out.expect_code(exit::BAD_INPUT).stderr_has(&[
        "cannot find the worker binary `nbench-worker`",
        "cargo build --release",
        "--worker",
    ]);
    let out = Nbench::new(&["list", "--worker", "/nonexistent/worker"]).run();
    out.expect_code(exit::BAD_INPUT)
        .stderr_has(&["/nonexistent/worker", "does not exist"]);
}

#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("nbench.toml");
    std::fs::write(&cfg, "[measure]\nwarmup = 1\n").unwrap();
    let out = Nbench::new(&["--config", cfg.to_str().unwrap(), "run", "--quick"]).run();
    out.expect_code(exit::BAD_INPUT)
        .stderr_has(&["nbench.toml", "warmup", "warmup_s"]);
}
