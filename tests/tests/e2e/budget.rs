//! Predicted wall times and `--budget` end to end: `--dry-run` prints a prediction made from a
//! store's rows of the same keys (a fixture store, so the numbers are fixed), a budgeted run
//! records its budget and choices in the manifest and says what it dropped before it starts,
//! and a duration nbench cannot read is refused naming the forms it can. No timing assertion:
//! how close the prediction and the budget come is measured in `reports/sweep-budget.md`.

use nbench_schema::exit;
use nbench_tests::{FAST, Nbench, fixture_line};

/// A row of `calib.sleep ms=5` seed `seed` as this host measured it: 30 samples of 5 ms after
/// a 0.2 s warm-up, in a worker that lived `wall_s`.
fn sleep_row(seed: u64, wall_s: f64) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&fixture_line("rows/ok.json")).unwrap();
    v["run_id"] = "20300101T000000Z-aaaaaa".into();
    v["probe"] = "calib.sleep".into();
    v["family"] = "calib".into();
    v["params"] = serde_json::json!({ "ms": 5 });
    v["seed"] = seed.into();
    v["backend"] = "calib".into();
    v["provider"] = "native".into();
    v["platform"] = "cpu".into();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    v["host"]["hostname"] = host.trim().into();
    v["worker"]["wall_s"] = wall_s.into();
    let t = &mut v["metrics"]["steady_time"];
    t["median"] = 0.005.into();
    t["n"] = 30.into();
    t["iters_per_sample"] = 1.into();
    let m = &mut v["measurement"];
    m["warmup_s"] = 0.2.into();
    m["sample_target_s"] = 0.002.into();
    m["target_rel_ci"] = 0.01.into();
    m["stop_reason"] = "converged".into();
    v.to_string()
}

#[test]
fn dry_run_predicts_from_the_stores_rows_and_models_the_rest() {
    let store = tempfile::tempdir().unwrap();
    let run = store.path().join("20300101T000000Z-aaaaaa");
    std::fs::create_dir(&run).unwrap();
    let rows = format!("{}\n{}\n", sleep_row(0, 0.40), sleep_row(1, 0.45));
    std::fs::write(run.join("rows.jsonl"), rows).unwrap();
    let s = store.path().display().to_string();
    let out = Nbench::sleep("5").args(&["--dry-run", "--store", &s]).run();
    out.expect_code(exit::SUCCESS);
    let prediction: String = out
        .stdout
        .lines()
        .take_while(|l| !l.starts_with("a00000"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(prediction);
    assert!(out.stdout.ends_with("4 attempts\n"), "{}", out.stdout);
}

#[test]
fn a_budgeted_run_says_what_it_dropped_and_records_its_choices() {
    let out = Nbench::sleep("1,2,3")
        .args(FAST)
        .args(&["--budget", "0.01s", "--progress", "quiet"])
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let before = out.stdout.split("\nrun ").next().unwrap_or_default();
    assert!(
        before.starts_with("budget 10.0 ms: predicted"),
        "{}",
        out.stdout
    );
    assert!(
        before.contains("dropped calib.sleep ms=3 (4 attempts")
            && before.contains("dropped calib.sleep ms=2 (4 attempts"),
        "the largest points go first, each with every seed: {before}"
    );
    let rows = out.rows();
    assert_eq!(rows.len(), 4, "one point is kept, with its four seeds");
    assert!(
        rows.iter()
            .all(|r| r.params["ms"] == nbench_schema::ParamValue::Int(1))
    );
    let m = out.manifest();
    assert_eq!(m["budget"]["budget_s"], 0.01);
    assert_eq!(m["budget"]["fits"], false);
    // No ladder step saves anything on FAST's policy (the model has nothing lower to offer a
    // 1 ms kernel at five samples), so the probe stays at step 0 and points go.
    assert_eq!(m["budget"]["steps"]["calib.sleep"], 0);
    assert_eq!(m["budget"]["dropped"].as_array().map(Vec::len), Some(2));
    assert!(m["predicted_s"].as_f64().is_some_and(|p| p > 0.0));
    assert_eq!(m["planned_attempts"], 4);
    let used = rows[0].measurement.as_ref().unwrap();
    assert_eq!(
        (used.warmup_s, used.time_cap_s, used.min_samples),
        (0.01, 0.1, 5)
    );
    assert!(
        out.stdout.contains("(predicted "),
        "the verdict sets actual against predicted"
    );
}

#[test]
fn a_duration_nbench_cannot_read_is_refused_naming_the_forms() {
    for bad in ["10", "10x", "1m1h", "0s"] {
        Nbench::sleep("1")
            .args(&["--budget", bad])
            .with_store()
            .run()
            .expect_code(exit::BAD_INPUT)
            .stderr_has(&["--budget", "90s, 10m, 1h30m"])
            .expect_no_run("a bad budget");
    }
}

#[test]
fn a_budget_on_a_shard_is_refused_before_anything_runs() {
    Nbench::sleep("1")
        .args(&["--budget", "1m", "--shard", "0/2"])
        .with_store()
        .run()
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&[
            "--budget and --shard cannot be combined",
            "narrow each shard",
        ])
        .expect_no_run("a budgeted shard");
}

#[test]
fn a_lowered_policy_is_what_the_workers_measure_under() {
    let out = Nbench::sleep("1")
        .args(&["--budget", "0.01s", "--progress", "quiet"])
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let m = out.manifest();
    assert_eq!(m["budget"]["steps"]["calib.sleep"], 7, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("policy lowered (probe and ladder step, docs/budget.md): calib.sleep 7")
    );
    for r in out.rows() {
        let used = r.measurement.unwrap();
        assert_eq!(
            (
                used.warmup_s,
                used.time_cap_s,
                used.min_samples,
                used.target_rel_ci
            ),
            (0.005, 0.03, 5, 0.04)
        );
    }
    // The run's own policy stays recorded as it was asked for.
    assert_eq!(m["policy"]["warmup_s"], 0.2);
    // Four attempts are too few to trust how fast the machine runs: pacing changed nothing.
    let paced = &m["budget"]["paced"];
    assert!(paced["ratio"].is_null(), "{paced}");
    assert_eq!(paced["refits"], 0);
    assert_eq!(paced["steps"]["calib.sleep"], 7);
}

#[test]
fn a_run_faster_than_its_history_gets_its_policy_back_as_it_goes() {
    // The store says each attempt of calib.sleep ms=5 took 5 s: 24 of them (--repeat 6) cannot
    // fit 9 s, so the fit lowers the probe to the ladder's last step. They take about a tenth
    // of a second each; once 20 have finished, pacing sees it and the rest start under the
    // run's own policy.
    let store = tempfile::tempdir().unwrap();
    let history = store.path().join("20300101T000000Z-aaaaaa");
    std::fs::create_dir(&history).unwrap();
    let rows: String = (0..4).map(|seed| sleep_row(seed, 5.0) + "\n").collect();
    std::fs::write(history.join("rows.jsonl"), rows).unwrap();
    let s = store.path().display().to_string();
    let out = Nbench::sleep("5")
        .args(&[
            "--repeat",
            "6",
            "--budget",
            "9s",
            "--progress",
            "quiet",
            "--store",
            &s,
        ])
        .run();
    out.expect_code(exit::SUCCESS);
    let run = std::fs::read_dir(store.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.is_dir() && p != &history)
        .expect("the run's directory");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["budget"]["steps"]["calib.sleep"], 7, "{}", out.stdout);
    let paced = &m["budget"]["paced"];
    assert_eq!(paced["ratio"], 0.25, "held at its lower bound: {paced}");
    assert!(paced["refits"].as_u64().is_some_and(|n| n >= 1), "{paced}");
    assert_eq!(paced["steps"]["calib.sleep"], 0, "{paced}");
    let rows = nbench_tests::read_rows(&run.join("rows.jsonl"));
    assert_eq!(rows.len(), 24);
    let caps: Vec<f64> = rows
        .iter()
        .map(|r| r.measurement.as_ref().unwrap().time_cap_s)
        .collect();
    assert!(
        caps.iter().filter(|c| **c == 0.03).count() >= 20,
        "{caps:?}"
    );
    assert!(
        caps.contains(&m["policy"]["time_cap_s"].as_f64().unwrap()),
        "{caps:?}"
    );
}

#[test]
fn the_steady_warm_up_is_recorded_and_can_be_turned_off() {
    // calib.sleep sleeps 1 ms a call: steady from the first blocks, so with the rule (the
    // default) warm-up ends long before a 2 s budget, and without it runs the whole budget.
    let steady = Nbench::sleep("1")
        .args(&["--warmup", "2", "--time-cap", "0.01", "--progress", "quiet"])
        .with_store()
        .run();
    steady.expect_code(exit::SUCCESS);
    for r in steady.rows() {
        let m = r.measurement.unwrap();
        assert_eq!(m.warmup_steady_tol, Some(0.01));
        let spent = m.warmup_spent_s.unwrap();
        assert!(
            spent < 1.0,
            "a steady kernel warmed up for {spent} s of 2 s"
        );
    }
    let fixed = Nbench::sleep("1")
        .args(&["--warmup", "0.3", "--warmup-tol", "0", "--time-cap", "0.01"])
        .args(&["--progress", "quiet"])
        .with_store()
        .run();
    fixed.expect_code(exit::SUCCESS);
    for r in fixed.rows() {
        let m = r.measurement.unwrap();
        assert_eq!(m.warmup_steady_tol, Some(0.0));
        assert!(m.warmup_spent_s.unwrap() >= 0.3, "{m:?}");
    }
    for bad in ["1", "-0.1", "nan"] {
        Nbench::sleep("1")
            .args(&["--warmup-tol", bad])
            .with_store()
            .run()
            .expect_code(exit::BAD_INPUT)
            .stderr_has(&["--warmup-tol", "fraction in [0, 1)"])
            .expect_no_run("a bad warm-up tolerance");
    }
}
