//! The budget fit: the policy is lowered before anything is dropped, points are dropped whole
//! in the documented order, and what is kept fits the budget by the model.

use std::collections::BTreeSet;

use nbench_schema::{MeasurePolicy, params::canonical};

use super::*;
use crate::analysis::predict::tests::{fixed, row, spin_plan};
use crate::analysis::predict::{self, History};

/// calib.spin at `works` × 4 seeds, with history: each call takes `work` ms, 30 samples.
fn setup(works: &[i64]) -> (Vec<Attempt>, History) {
    spin_plan(works.iter().copied(), |w, seed, call| {
        row(w, seed, call, 30, true, 0.05 + 0.2 + 30.0 * call)
    })
}

fn predicted(kept: &[Attempt], h: &History) -> f64 {
    predict::predict(kept, h, |a| a.policy_or(&fixed()).clone(), 1, 0).total_s
}

#[test]
fn a_budget_that_fits_changes_nothing() {
    let (plan, h) = setup(&[1, 2]);
    let (kept, fit) = fit(plan.clone(), &fixed(), &h, 3600.0, 1);
    assert_eq!(kept, plan);
    assert!(fit.fits && fit.dropped.is_empty());
    assert!(fit.steps.values().all(|s| *s == 0));
}

#[test]
fn the_policy_is_lowered_before_any_point_is_dropped() {
    let (plan, h) = setup(&[1, 2, 50]);
    let full = predicted(&plan, &h);
    let (kept, fit) = fit(plan.clone(), &fixed(), &h, full * 0.8, 1);
    assert_eq!(kept.len(), plan.len(), "{fit:?}");
    assert!(fit.fits, "{fit:?}");
    assert!(fit.steps["calib.spin"] > 0);
    assert!(predicted(&kept, &h) <= full * 0.8 * AIM + 1e-9);
    assert!(kept.iter().all(|a| a.policy.is_some()));
}

#[test]
fn points_go_whole_costliest_first_and_a_probe_keeps_one() {
    let (plan, h) = setup(&[1, 2, 50, 100]);
    let budget = 2.0;
    let (kept, fit) = fit(plan, &fixed(), &h, budget, 1);
    let order: Vec<&str> = fit.dropped.iter().map(|d| d.params.as_str()).collect();
    assert_eq!(order.first(), Some(&"work=100"), "{fit:?}");
    if order.len() > 1 {
        assert_eq!(order[1], "work=50");
    }
    assert!(
        fit.dropped.iter().all(|d| d.attempts == 4),
        "a point goes with all its seeds"
    );
    // Every kept point keeps all four seeds.
    let points: BTreeSet<String> = kept.iter().map(|a| canonical(&a.params)).collect();
    for p in &points {
        let seeds = kept.iter().filter(|a| &canonical(&a.params) == p).count();
        assert_eq!(seeds, 4, "{p}");
    }
    assert!(!points.is_empty(), "the probe keeps a point");
    assert!(
        fit.fits && predicted(&kept, &h) <= budget * AIM + 1e-9,
        "{fit:?}"
    );
    assert_eq!(
        kept.iter().map(|a| a.index).collect::<Vec<_>>(),
        (0..kept.len()).collect::<Vec<_>>()
    );
}

#[test]
fn an_impossible_budget_says_it_does_not_fit() {
    let (plan, h) = setup(&[1, 2]);
    let (kept, fit) = fit(plan, &fixed(), &h, 0.01, 1);
    assert!(!fit.fits);
    assert_eq!(kept.len(), 4, "the last point of a probe is never dropped");
    assert_eq!(fit.steps["calib.spin"], LADDER.len() - 1);
}

#[test]
fn the_ladder_never_makes_the_run_policy_stricter() {
    let low = MeasurePolicy {
        warmup_s: 0.0,
        time_cap_s: 0.05,
        min_samples: 3,
        ..MeasurePolicy::default()
    };
    for s in 0..LADDER.len() {
        let p = at_step(&low, s);
        assert!(p.warmup_s <= low.warmup_s && p.time_cap_s <= low.time_cap_s);
        assert!(p.min_samples <= low.min_samples);
        assert!(p.target_rel_ci >= low.target_rel_ci);
        assert!(p.min_samples >= 1 && p.target_rel_ci < 0.05);
    }
    // Each step is cheaper than the one before on a kernel that never converges.
    let caps: Vec<f64> = LADDER[1..].iter().map(|s| s.time_cap_s).collect();
    assert!(caps.windows(2).all(|w| w[1] < w[0]), "{caps:?}");
}

#[test]
fn a_step_that_saves_nothing_does_not_stop_the_ladder() {
    // Rows measured under the default policy (cap 0.3 s): ladder step 1's cap of 0.35 s and
    // its other bounds change nothing, yet the fit must still reach the steps below before it
    // drops a single point.
    let (plan, h) = setup(&[1, 2, 5]);
    let base = MeasurePolicy::default();
    assert!(predicted_under(&plan, &h, &base, 1) == predicted_under(&plan, &h, &base, 0));
    let full = predicted_under(&plan, &h, &base, 0);
    let last = predicted_under(&plan, &h, &base, LADDER.len() - 1);
    let budget = (last + (full - last) * 0.3) / AIM;
    let (kept, fit) = fit(plan.clone(), &base, &h, budget, 1);
    assert!(fit.dropped.is_empty() && fit.fits, "{fit:?}");
    assert_eq!(kept.len(), plan.len());
    assert!(fit.steps["calib.spin"] >= 2, "{fit:?}");
}

/// The plan's predicted seconds with every attempt at ladder step `step` over `base`.
fn predicted_under(plan: &[Attempt], h: &History, base: &MeasurePolicy, step: usize) -> f64 {
    predict::predict(plan, h, |_| at_step(base, step), 1, 0).total_s
}
