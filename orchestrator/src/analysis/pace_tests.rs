//! Pacing: a run on a machine faster than its history gets its policy back, one on a slower
//! machine lowers what is left, and too little evidence changes nothing. The run is simulated
//! on one slot: each attempt takes its model's prediction under the policy it started with,
//! times the machine's speed factor.

use super::*;
use crate::analysis::budget;
use crate::analysis::predict::tests::{fixed, row, spin_plan};

/// calib.spin at work 1..=10 × 4 seeds, with history: each call takes `work` ms and never
/// converged (so the time cap decides, and the ladder has something to save).
fn setup() -> (Vec<Attempt>, History) {
    spin_plan(1..=10, |w, seed, call| {
        row(w, seed, call, 2000, false, 0.05 + 0.2 + 2.0)
    })
}

/// Runs `plan` one attempt after another at `speed` × the model's time; the end, in seconds.
fn simulate(plan: &[Attempt], h: &History, pace: &mut Pace, speed: f64) -> f64 {
    run(plan, h, pace, speed).0
}

/// The same, with the policy each attempt started under.
fn run(
    plan: &[Attempt],
    h: &History,
    pace: &mut Pace,
    speed: f64,
) -> (f64, Vec<Option<MeasurePolicy>>) {
    let base = fixed();
    let mut t = 0.0;
    let mut policies = Vec::new();
    for a in plan {
        let policy = pace.start(a);
        let took = h.cost(a).wall_s(policy.as_ref().unwrap_or(&base)) * speed;
        t += took;
        pace.finish(&a.id, Some(took), t);
        policies.push(policy);
    }
    (t, policies)
}

/// The plan fitted to `share` × its predicted seconds under the run's policy, its pacing, and
/// that budget.
fn fitted(share: f64) -> (Vec<Attempt>, History, Pace, f64) {
    let (plan, h) = setup();
    let full: f64 = plan.iter().map(|a| h.cost(a).wall_s(&fixed())).sum();
    let budget_s = full * share;
    let (kept, fit) = budget::fit(plan, &fixed(), &h, budget_s, 1);
    let pace = Pace::new(&kept, &fixed(), &h, budget_s, 1, &fit.steps);
    (kept, h, pace, budget_s)
}

#[test]
fn a_machine_faster_than_its_history_gets_the_policy_back() {
    let (kept, h, mut pace, budget_s) = fitted(0.7);
    assert!(kept.iter().all(|a| a.policy.is_some()), "the fit lowered");
    // The machine runs at 0.6 × the history: the whole plan at its own policy fits.
    let end = simulate(&kept, &h, &mut pace, 0.6);
    let paced = pace.record();
    assert_eq!(paced.steps["calib.spin"], 0, "{paced:?}");
    assert!(paced.refits >= 1);
    assert!((paced.ratio.unwrap() - 0.6).abs() < 1e-9, "{paced:?}");
    assert!(end <= budget_s, "{end} > {budget_s}");
    // Without pacing it would have ended far under the budget.
    let unpaced: f64 = kept
        .iter()
        .map(|a| h.cost(a).wall_s(a.policy.as_ref().unwrap()) * 0.6)
        .sum();
    assert!(
        end > unpaced * 1.2,
        "pacing spent the budget: {end} vs {unpaced}"
    );
}

#[test]
fn a_machine_slower_than_its_history_lowers_what_is_left() {
    // The whole plan fits the budget by the history, so the fit changes nothing...
    let (kept, h, mut pace, budget_s) = fitted(1.1);
    assert!(kept.iter().all(|a| a.policy.is_none()));
    // ...but the machine runs at 1.5 × the history: unpaced, 1.36 × the budget.
    let (end, policies) = run(&kept, &h, &mut pace, 1.5);
    let paced = pace.record();
    assert!(policies.iter().any(Option::is_some), "{paced:?}");
    assert!(
        (budget_s * 0.85..=budget_s * 1.1).contains(&end),
        "{end} against a budget of {budget_s} ({paced:?})"
    );
}

#[test]
fn the_lanes_of_a_point_and_seed_start_under_one_policy() {
    // Two backends of every point and seed, adjacent as the planner orders them.
    let (one, h) = setup();
    let mut plan = Vec::new();
    for a in one {
        let mut b = a.clone();
        b.backend = "other".into();
        b.id = format!("{}b", a.id);
        plan.push(a);
        plan.push(b);
    }
    let full: f64 = plan.iter().map(|a| h.cost(a).wall_s(&fixed())).sum();
    let mut pace = Pace::new(&plan, &fixed(), &h, full * 1.1, 1, &BTreeMap::new());
    let (_, policies) = run(&plan, &h, &mut pace, 1.5);
    assert!(pace.record().refits >= 1, "the run must have been re-paced");
    for pair in policies.chunks(2) {
        assert_eq!(pair[0], pair[1]);
    }
}

#[test]
fn too_little_evidence_changes_nothing() {
    let (kept, h, mut pace, _) = fitted(100.0);
    let base = fixed();
    for a in kept.iter().take(MIN_FINISHED - 1) {
        assert_eq!(pace.start(a), None);
        let took = h.cost(a).wall_s(&base) * 0.01;
        pace.finish(&a.id, Some(took), took);
    }
    let paced = pace.record();
    assert_eq!(paced.ratio, None);
    assert_eq!(paced.refits, 0);
}

#[test]
fn an_attempt_without_a_worker_says_nothing_of_the_machine() {
    let (kept, h, mut pace, _) = fitted(100.0);
    let base = fixed();
    for a in &kept {
        pace.start(a);
        pace.finish(&a.id, None, 0.0);
    }
    assert_eq!(pace.record().ratio, None);
    // An id the plan does not know (never started) is ignored.
    pace.finish("a99999", Some(1.0), 1.0);
    assert!(h.cost(&kept[0]).wall_s(&base) > 0.0);
}

#[test]
fn the_time_left_is_what_has_not_started_rescaled() {
    let (kept, h, mut pace, _) = fitted(100.0);
    let base = fixed();
    assert_eq!(pace.remaining_s(), None, "no ratio yet");
    let (done, left) = kept.split_at(30);
    for a in done {
        pace.start(a);
        pace.finish(&a.id, Some(h.cost(a).wall_s(&base) * 0.5), 1.0);
    }
    let expected: f64 = left.iter().map(|a| h.cost(a).wall_s(&base) * 0.5).sum();
    let got = pace.remaining_s().unwrap();
    assert!((got - expected).abs() < 1e-6, "{got} against {expected}");
}
