//! `nbench ab` end to end with the real binaries: an interleaved A/A run passes and a slowed
//! candidate fails; `--dry-run` prints the interleaved plan; filters and resource flags are
//! `nbench run`'s own, refused with the same message.

use nbench_schema::{Row, exit};
use nbench_tests::{AA_LOOSE, FAST, Nbench, SPIN, bin, set_exec};

/// Timing-sensitive tests take this so they do not measure each other on a 2-core machine.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `nbench ab` with the built worker on both sides.
fn ab_same(args: &[&str]) -> Nbench {
    let w = bin("nbench-worker").display().to_string();
    Nbench::new(&["ab", "--baseline-worker", &w, "--candidate-worker", &w]).args(args)
}

#[test]
fn interleaved_ab_passes_for_one_build_and_fails_for_a_slowed_one() {
    let _guard = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let w = bin("nbench-worker").display().to_string();
    let same = ab_same(SPIN).args(FAST).args(AA_LOOSE).with_store().run();
    same.expect_code(exit::SUCCESS);
    let rows = same.rows();
    assert_eq!(rows.len(), 16, "2 points × 4 seeds × 2 variants");
    // Counterbalanced: baseline, candidate, candidate, baseline, …
    let order: Vec<&str> = {
        let mut r: Vec<&Row> = rows.iter().collect();
        r.sort_by(|a, b| a.attempt_id.cmp(&b.attempt_id));
        r.iter()
            .map(|r| r.variant.as_deref().unwrap_or("-"))
            .collect()
    };
    assert_eq!(
        &order[..4],
        ["baseline", "candidate", "candidate", "baseline"]
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let slow = dir.path().join("slow-worker");
    std::fs::write(
        &slow,
        format!("#!/bin/sh\nNBENCH_CALIB_SCALE=1.5 exec '{w}' \"$@\"\n"),
    )
    .expect("write");
    set_exec(&slow);
    let out = Nbench::new(&[
        "ab",
        "--baseline-worker",
        &w,
        "--candidate-worker",
        &slow.display().to_string(),
    ])
    .args(SPIN)
    .args(FAST)
    .with_store()
    .run();
    out.expect_code(exit::REGRESSION);
    if !out.stdout.contains("calib.spin[work=20]") {
        out.fail("the regressed key is not named");
    }
}

#[test]
fn dry_run_prints_the_interleaved_plan_and_runs_nothing() {
    let plan = |out: &nbench_tests::Output| -> Vec<Vec<String>> {
        out.expect_code(exit::SUCCESS);
        let lines: Vec<&str> = out.stdout.lines().collect();
        let (last, rest) = lines.split_last().unwrap_or_else(|| out.fail("no output"));
        // `run`'s prediction comes first; the plan is its attempt lines (`a00017 …`).
        let attempts: Vec<&str> = rest
            .iter()
            .copied()
            .filter(|l| l.starts_with('a') && l.as_bytes().get(1).is_some_and(u8::is_ascii_digit))
            .collect();
        if *last != format!("{} attempts", attempts.len()) {
            out.fail("the plan does not end with its count");
        }
        // Without the attempt id, which differs by construction.
        attempts
            .iter()
            .map(|l| l.split(' ').skip(1).map(String::from).collect())
            .collect()
    };
    let run = Nbench::new(&["run", "--dry-run"])
        .args(SPIN)
        .with_store()
        .run();
    let run = plan(&run);
    let out = ab_same(&["--dry-run"]).args(SPIN).with_store().run();
    let ab = plan(&out);
    assert_eq!(ab.len(), 2 * run.len(), "every attempt once per build");
    let mut leads: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (pair, attempt) in ab.chunks(2).zip(&run) {
        let (a, b) = (&pair[0], &pair[1]);
        let variants = [a.last().unwrap().as_str(), b.last().unwrap().as_str()];
        assert!(
            variants == ["baseline", "candidate"] || variants == ["candidate", "baseline"],
            "{pair:?}"
        );
        // The pair is the run's attempt, in the run's order, twice.
        assert_eq!(&a[..a.len() - 1], &attempt[..], "{pair:?}");
        assert_eq!(&b[..b.len() - 1], &attempt[..], "{pair:?}");
        leads
            .entry(a[1].clone())
            .or_default()
            .push(variants[0].to_string());
    }
    // The seed is the outermost loop, and each point's pairs alternate over its seeds.
    assert!(ab[..4].iter().all(|a| a[2] == "seed=0"), "{ab:?}");
    for (point, order) in &leads {
        assert_eq!(order.len(), 4, "{point}");
        assert!(order.windows(2).all(|w| w[0] != w[1]), "{point}: {order:?}");
    }
    out.expect_no_run("a dry run must not create a run directory");
}

#[test]
fn bad_filters_and_resources_are_refused_as_run_refuses_them() {
    for bad in [
        &["--family", "nope"][..],
        &["--match", "vec.add", "--size", "123"],
        &["--match", "vec.add", "--param", "colour=red"],
        &["--quick", "--provider", "pandas"],
        &["--quick", "--platforms", "tpu"],
        &["--quick", "--cpu-slots", "999"],
        &["--quick", "--repeat", "0"],
    ] {
        let run = Nbench::new(&["run"]).args(bad).with_store().run();
        run.expect_code(exit::BAD_INPUT);
        let ab = ab_same(bad).with_store().run();
        ab.expect_code(exit::BAD_INPUT);
        if ab.stderr != run.stderr || !ab.stderr.starts_with("nbench: error: ") {
            ab.fail(&format!(
                "ab should refuse {bad:?} with run's message:\n{}",
                run.stderr
            ));
        }
        ab.expect_no_run("a refused ab run must not create a run directory");
    }
}
