//! The prediction model against stored rows with known wall times.

use nbench_schema::{MeasurePolicy, Row};

use super::*;

/// A row of `calib.spin work=<work>` seed `seed`, measured under the default policy: `n`
/// samples of one call of `call_s`, converged or not, the worker's wall `wall_s`.
pub(crate) fn row(work: i64, seed: u64, call_s: f64, n: u64, converged: bool, wall_s: f64) -> Row {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/rows/ok.json")).unwrap();
    v["probe"] = "calib.spin".into();
    v["family"] = "calib".into();
    v["params"] = serde_json::json!({ "work": work });
    v["seed"] = seed.into();
    v["backend"] = "calib".into();
    v["provider"] = "native".into();
    v["platform"] = "cpu".into();
    v["host"]["hostname"] = "here".into();
    v["worker"]["wall_s"] = wall_s.into();
    let t = &mut v["metrics"]["steady_time"];
    t["median"] = call_s.into();
    t["n"] = n.into();
    t["iters_per_sample"] = 1.into();
    let m = &mut v["measurement"];
    m["warmup_s"] = 0.2.into();
    m["sample_target_s"] = 0.002.into();
    m["target_rel_ci"] = 0.01.into();
    m["stop_reason"] = if converged { "converged" } else { "time_cap" }.into();
    serde_json::from_value(v).unwrap()
}

pub(crate) fn attempt(work: i64, seed: u64) -> Attempt {
    Attempt {
        index: 0,
        id: format!("a{seed:05}"),
        probe: "calib.spin".into(),
        family: "calib".into(),
        params: [("work".to_string(), nbench_schema::ParamValue::Int(work))].into(),
        seed,
        backend: "calib".into(),
        provider: "native".into(),
        platform: "cpu".into(),
        worker: None,
        worker_args: Vec::new(),
        variant: None,
        policy: None,
    }
}

/// calib.spin at each of `works` × 4 seeds, in plan order, with a history of one row per key
/// (`row_of(work, seed, call_s)`, a call taking `work` ms).
pub(crate) fn spin_plan(
    works: impl IntoIterator<Item = i64>,
    row_of: impl Fn(i64, u64, f64) -> Row,
) -> (Vec<Attempt>, History) {
    let mut plan = Vec::new();
    let mut rows = Vec::new();
    for w in works {
        for seed in 0..4 {
            let mut a = attempt(w, seed);
            a.index = plan.len();
            a.id = format!("a{:05}", plan.len());
            plan.push(a);
            rows.push(row_of(w, seed, w as f64 * 1e-3));
        }
    }
    (plan, History::from_rows(&rows, Some("here")))
}

/// The policy the fixture rows were measured under: the defaults from before the steady-state
/// warm-up rule (a fixed 0.2 s warm-up, a 2 s cap).
pub(crate) fn fixed() -> MeasurePolicy {
    MeasurePolicy {
        warmup_steady_tol: 0.0,
        target_rel_ci: 0.01,
        time_cap_s: 2.0,
        ..MeasurePolicy::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn a_measured_key_predicts_its_own_wall_time_under_its_own_policy() {
    // 20 ms calls, 30 samples, converged: 0.2 s warm-up + 0.6 s sampling + 0.05 s fixed.
    let h = History::from_rows(&[row(7, 0, 0.02, 30, true, 0.85)], Some("here"));
    let c = h.cost(&attempt(7, 0));
    assert!(c.measured);
    assert!(close(c.fixed_s, 0.05), "{c:?}");
    assert!(close(c.wall_s(&fixed()), 0.85));
}

#[test]
fn another_policy_rescales_warm_up_samples_and_the_cap() {
    let h = History::from_rows(&[row(7, 0, 0.02, 30, true, 0.85)], Some("here"));
    let c = h.cost(&attempt(7, 0));
    let p = MeasurePolicy {
        warmup_s: 0.05,
        time_cap_s: 0.3,
        ..fixed()
    };
    // 0.05 fixed + 0.05 warm-up + the cap, overrun by one 20 ms sample.
    assert!(close(c.wall_s(&p), 0.05 + 0.05 + 0.32), "{}", c.wall_s(&p));
    // A CI target twice as wide needs a quarter of the samples, but never fewer than the minimum.
    let wide = MeasurePolicy {
        target_rel_ci: 0.02,
        ..fixed()
    };
    assert!(close(c.wall_s(&wide), 0.05 + 0.2 + 15.0 * 0.02));
}

#[test]
fn an_attempt_that_hit_the_cap_is_predicted_at_the_cap() {
    let h = History::from_rows(&[row(7, 0, 0.002, 1000, false, 2.3)], Some("here"));
    let c = h.cost(&attempt(7, 0));
    assert_eq!(c.converged_at, None);
    let p = fixed();
    // One sample is the 2 ms target; the sampling stops one sample past the 2 s cap.
    assert!(close(c.wall_s(&p), c.fixed_s + 0.2 + 2.002));
}

#[test]
fn the_newest_row_of_a_key_wins_and_other_hosts_say_nothing() {
    let mut old = row(7, 0, 0.02, 30, true, 9.0);
    old.finished_at = "2020-01-01T00:00:00Z".into();
    let mut new = row(7, 0, 0.02, 30, true, 0.85);
    new.finished_at = "2030-01-01T00:00:00Z".into();
    let mut elsewhere = row(7, 1, 0.02, 30, true, 0.85);
    elsewhere.host.as_mut().unwrap().hostname = "there".into();
    let h = History::from_rows(&[new, old, elsewhere], Some("here"));
    assert_eq!(h.len(), 1);
    assert!(close(h.cost(&attempt(7, 0)).wall_s(&fixed()), 0.85));
    assert!(!h.cost(&attempt(7, 1)).measured);
}

#[test]
fn an_unknown_key_is_modelled_from_the_policy() {
    let c = History::default().cost(&attempt(7, 0));
    assert!(!c.measured);
    let p = fixed();
    assert!(close(c.wall_s(&p), UNKNOWN_FIXED_S + 0.2 + 15.0 * 0.002));
}

#[test]
fn a_plan_is_spread_over_its_slots_and_counted_by_family() {
    let h = History::from_rows(&[row(7, 0, 0.02, 30, true, 0.85)], Some("here"));
    let plan = [attempt(7, 0), attempt(7, 1)];
    let p = predict(&plan, &h, |_| fixed(), 2, 0);
    let modelled = UNKNOWN_FIXED_S + 0.2 + 15.0 * 0.002;
    assert!(close(p.total_s, (0.85 + modelled) / 2.0));
    assert_eq!((p.attempts, p.measured), (2, 1));
    assert_eq!(p.families["calib"].attempts, 2);
    assert!(close(
        remaining_s(&p.per_attempt, &[true, false], 1),
        modelled
    ));
}

#[test]
fn the_steady_warm_up_is_predicted_from_what_it_took_or_from_the_sample_target() {
    let p = MeasurePolicy::default();
    assert!(p.warmup_steady_tol > 0.0);
    // A row from before the rule: its 0.2 s warm-up says nothing of the rule's, which is
    // modelled as four sample targets of 20 ms calls (one call exceeds the 2 ms target).
    let h = History::from_rows(&[row(7, 0, 0.02, 30, true, 0.85)], Some("here"));
    let c = h.cost(&attempt(7, 0));
    assert_eq!(c.steady_warmup_s, None);
    // Its 30 samples at a 1 % target are 7.5 at the default 2 %: the minimum of 15 decides.
    assert!(close(
        c.wall_s(&p),
        0.05 + STEADY_WARMUP_TARGETS * 0.02 + 15.0 * 0.02
    ));
    // A row measured under the rule: what its warm-up took, bounded by the budget.
    let mut r = row(7, 0, 0.02, 30, true, 0.05 + 0.03 + 0.6);
    let m = r.measurement.as_mut().unwrap();
    m.warmup_steady_tol = Some(0.01);
    m.warmup_spent_s = Some(0.03);
    let c = History::from_rows(&[r], Some("here")).cost(&attempt(7, 0));
    assert_eq!(c.steady_warmup_s, Some(0.03));
    assert!(close(c.fixed_s, 0.05), "{c:?}");
    assert!(close(c.wall_s(&fixed()), 0.05 + 0.2 + 0.6));
    let tight = MeasurePolicy {
        warmup_s: 0.025,
        ..fixed()
    };
    assert!(close(
        c.wall_s(&MeasurePolicy {
            warmup_steady_tol: 0.01,
            ..tight
        }),
        0.05 + 0.025 + 0.6
    ));
}
