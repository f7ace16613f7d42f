//! `nbench run` end to end: one row per planned attempt from distinct worker processes, stable
//! digests, the manifest, and peak memory against a known allocation.

use std::collections::{BTreeMap, BTreeSet};

use nbench_schema::{Status, exit, params::canonical};
use nbench_tests::{FAST, Nbench};

fn planned(args: &[&str]) -> usize {
    let out = Nbench::new(&["run", "--dry-run"]).args(args).run();
    out.expect_code(exit::SUCCESS);
    let last = out.stdout.lines().last().unwrap_or_default();
    last.trim_end_matches(" attempts")
        .parse()
        .unwrap_or_else(|_| out.fail("dry run did not end with a count"))
}

#[test]
fn quick_run_yields_one_row_per_planned_attempt_from_distinct_workers() {
    let n = planned(&["--quick"]);
    let out = Nbench::new(&["run", "--quick"])
        .args(FAST)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    let rows = out.rows();
    assert_eq!(rows.len(), n, "one row per planned attempt");
    let ids: BTreeSet<_> = rows.iter().map(|r| r.attempt_id.clone()).collect();
    assert_eq!(ids.len(), n, "attempt ids are unique");
    let pids: BTreeSet<_> = rows
        .iter()
        .map(|r| r.worker.as_ref().expect("worker block").pid)
        .collect();
    assert_eq!(pids.len(), n, "each attempt ran in its own process");
    // A backend this CPU cannot run (`avx512` without `avx512f`) is `skipped` with its reason;
    // every other attempt is `ok`.
    let lacks_feature = |r: &nbench_schema::Row| {
        r.status == Status::Skipped
            && r.failure.as_ref().and_then(|f| f.reason.as_deref()) == Some("missing_cpu_feature")
    };
    assert!(
        rows.iter()
            .all(|r| r.status == Status::Ok || lacks_feature(r)),
        "all ok, or skipped for a missing cpu feature:\n{}",
        out.stdout
    );
    assert!(rows.iter().any(|r| r.status == Status::Ok));
    for r in rows.iter().filter(|r| r.status == Status::Ok) {
        let m = r.metrics.as_ref().expect("metrics");
        let t = m.steady_time.as_ref().expect("steady_time");
        assert!(
            t.min > 0.0 && t.min <= t.median && t.median <= t.max,
            "{r:?}"
        );
        assert!(m.peak_rss.unwrap() >= m.baseline_rss.unwrap());
        assert!(r.problem_digest.as_ref().is_some_and(|d| d.len() == 16));
        assert_eq!(
            r.host.as_ref().map(|h| h.build_profile.as_str()),
            Some("release")
        );
    }
    // Every seed of the quartet, for every point.
    let seeds: BTreeSet<u64> = rows.iter().map(|r| r.seed).collect();
    assert_eq!(seeds, BTreeSet::from([0, 1, 2, 3]));
    let m = out.manifest();
    assert_eq!(m["status"], "complete");
    assert_eq!(m["planned_attempts"], n);
    assert!(
        out.stdout.contains("rows: "),
        "verdict says where the rows are"
    );
    // The derived summary lands beside the rows: every row counted, one entry per probe.
    let summary = out.run_json("summary.json");
    assert_eq!(summary["rows"], n);
    let probes: BTreeSet<&str> = rows.iter().map(|r| r.probe.as_str()).collect();
    assert_eq!(
        summary["probes"].as_array().map(Vec::len),
        Some(probes.len())
    );
}

#[test]
fn digests_agree_across_backends_and_runs() {
    let args = ["--match", "tensor.matmul", "--quick"];
    let a = Nbench::new(&["run"])
        .args(&args)
        .args(FAST)
        .with_store()
        .run();
    a.expect_code(exit::SUCCESS);
    let b = Nbench::new(&["run"])
        .args(&args)
        .args(FAST)
        .with_store()
        .run();
    b.expect_code(exit::SUCCESS);
    let digests = |rows: &[nbench_schema::Row]| {
        let mut by_point: BTreeMap<(String, u64), BTreeSet<String>> = BTreeMap::new();
        for r in rows {
            by_point
                .entry((canonical(&r.params), r.seed))
                .or_default()
                .insert(r.problem_digest.clone().expect("digest"));
        }
        by_point
    };
    let da = digests(&a.rows());
    let db = digests(&b.rows());
    for (point, set) in &da {
        assert_eq!(
            set.len(),
            1,
            "backends of {point:?} solved different instances: {set:?}"
        );
    }
    assert_eq!(da, db, "the same point has the same digest in two runs");
    let seeds: BTreeSet<_> = da.values().flatten().collect();
    assert_eq!(
        seeds.len(),
        4,
        "the four seeds are four different instances"
    );
}

#[test]
fn calib_alloc_peak_rss_matches_the_allocation() {
    let out = Nbench::new(&[
        "run",
        "--family",
        "calib",
        "--match",
        "calib.alloc",
        "--param",
        "mib=256",
    ])
    .args(FAST)
    .with_store()
    .run();
    out.expect_code(exit::SUCCESS);
    let rows = out.rows();
    assert_eq!(rows.len(), 4);
    for r in rows {
        let m = r.metrics.expect("metrics");
        let delta = (m.peak_rss.unwrap() - m.baseline_rss.unwrap()) as f64;
        let truth = 256.0 * 1024.0 * 1024.0;
        assert!(
            (delta - truth).abs() / truth < 0.05,
            "peak_rss - baseline_rss = {delta} bytes, expected 256 MiB ± 5 %"
        );
        assert!(
            m.peak_alloc.unwrap() as f64 >= truth,
            "peak_alloc covers the allocation"
        );
    }
}

#[test]
fn cpu_slots_pin_each_worker_to_its_group() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus < 2 {
        nbench_tests::skipped("a scheduling test: it needs 2 CPUs and this machine has fewer");
        return;
    }
    let out = Nbench::sleep("20")
        .args(&["--cpu-slots", "2"])
        .args(FAST)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    for r in out.rows() {
        let w = r.worker.as_ref().unwrap();
        assert_eq!(w.scheduler.cpu_slots, 2);
        let group = &w.scheduler.core_groups[w.slot.unwrap() as usize];
        assert_eq!(&w.affinity, group, "pinned to its slot's group");
        let seen = r
            .device
            .as_ref()
            .and_then(|d| d.cores.clone())
            .expect("worker reads its affinity back");
        assert_eq!(&seen, group, "the worker saw the pinning");
    }
}

#[test]
fn list_shows_the_calibration_family() {
    let out = Nbench::new(&["list", "--family", "calib"]).run();
    out.expect_code(exit::SUCCESS);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn list_json_is_the_catalogue() {
    let out = Nbench::new(&["list", "--format", "json"]).run();
    out.expect_code(exit::SUCCESS);
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(&format!("not JSON: {e}")));
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for want in ["vec.add", "vec.dot", "vec.softmax", "tensor.matmul"] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("calib.")),
        "calib is hidden by default"
    );
}
