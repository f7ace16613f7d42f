//! Fitting a plan into `--budget` (docs/budget.md): first the measurement policy is lowered
//! probe by probe along a fixed ladder, the probe whose next step saves the most predicted time
//! first, then raised again one step where that still fits; when every probe is at the ladder's last step and the plan still does not fit, whole
//! points are dropped, the costliest point of the costliest probe first, never a probe's last
//! point and never some seeds or lanes of a point that is kept. It decides on predicted numbers
//! only ([`super::predict`]); it runs and prints nothing. While the run goes, [`super::pace`]
//! moves the steps again as the measured times come in.

use std::collections::{BTreeMap, BTreeSet};

use nbench_schema::{MeasurePolicy, params::canonical};
use serde::{Deserialize, Serialize};

use super::predict::History;
use crate::attempt::Attempt;

/// The share of the budget the fit aims at: the rest absorbs the prediction's error and the
/// session's own start and end. A run is to end within 10 % of its budget either way, so the
/// aim sits inside that band with room on both sides.
pub const AIM: f64 = 0.95;

/// One step of the ladder: bounds laid over the run's policy, never making it stricter (the
/// warm-up budget, the time cap and the minimum count only go down, the CI target only up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub warmup_s: f64,
    pub time_cap_s: f64,
    pub min_samples: u64,
    pub target_rel_ci: f64,
}

const fn step(warmup_s: f64, time_cap_s: f64, min_samples: u64, target_rel_ci: f64) -> Step {
    Step {
        warmup_s,
        time_cap_s,
        min_samples,
        target_rel_ci,
    }
}

/// The ladder, from the run's own policy (step 0, no bounds) down, each step cutting the time
/// cap by about a third so the fit can land near its aim. Every step keeps at least five
/// samples per process, the fewest the gate's per-seed statistics were calibrated with, and a
/// CI target at most 4 % wide, inside the gate's 5 % threshold.
pub const LADDER: [Step; 8] = [
    step(f64::INFINITY, f64::INFINITY, u64::MAX, 0.0),
    step(0.1, 0.35, 15, 0.01),
    step(0.05, 0.25, 12, 0.015),
    step(0.03, 0.18, 10, 0.02),
    step(0.02, 0.12, 8, 0.02),
    step(0.015, 0.08, 7, 0.03),
    step(0.01, 0.05, 6, 0.03),
    step(0.005, 0.03, 5, 0.04),
];

/// `base` under ladder step `step`.
pub fn at_step(base: &MeasurePolicy, step: usize) -> MeasurePolicy {
    let s = LADDER[step.min(LADDER.len() - 1)];
    MeasurePolicy {
        warmup_s: base.warmup_s.min(s.warmup_s),
        time_cap_s: base.time_cap_s.min(s.time_cap_s),
        min_samples: base.min_samples.min(s.min_samples).max(1),
        target_rel_ci: base.target_rel_ci.max(s.target_rel_ci),
        ..base.clone()
    }
}

/// A point dropped to fit: every seed and lane of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    pub probe: String,
    pub params: String,
    pub attempts: usize,
    /// Its predicted seconds (one slot's worth).
    pub predicted_s: f64,
}

/// What the fit chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    pub budget_s: f64,
    /// The predicted wall seconds of what is kept, under the chosen policies.
    pub predicted_s: f64,
    /// Each probe's ladder step (0: the run's policy), by name.
    pub steps: BTreeMap<String, usize>,
    /// In the order they were dropped.
    pub dropped: Vec<Dropped>,
    /// Whether the prediction fits `AIM` of the budget.
    pub fits: bool,
    /// What pacing changed while the run went ([`super::pace`]); absent in manifests from
    /// before it, and until the run ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paced: Option<super::pace::Paced>,
}

/// Each attempt's predicted seconds at each ladder step, in plan order.
pub fn step_costs(
    plan: &[Attempt],
    base: &MeasurePolicy,
    history: &History,
) -> Vec<[f64; LADDER.len()]> {
    plan.iter()
        .map(|a| {
            let c = history.cost(a);
            std::array::from_fn(|s| c.wall_s(&at_step(base, s)))
        })
        .collect()
}

/// Per probe, the predicted seconds of its attempts at each ladder step.
pub type PerProbe = BTreeMap<String, [f64; LADDER.len()]>;

/// The predicted seconds of every probe at its step.
pub fn total(steps: &BTreeMap<String, usize>, per: &PerProbe) -> f64 {
    steps
        .iter()
        .map(|(p, s)| per.get(p).map_or(0.0, |c| c[*s]))
        .sum()
}

/// Lowers probes one step at a time, the one whose next step saves the most first, until the
/// total fits `target` or nothing lower saves anything. A probe's next move is to the first
/// lower step that saves anything: a step whose bounds its policy already meets (the run's time
/// cap below the step's, say) must not stop it from going further down.
pub fn lower(steps: &mut BTreeMap<String, usize>, per: &PerProbe, target: f64) {
    let mut now = total(steps, per);
    while now > target {
        let best = steps
            .iter()
            .filter_map(|(p, &s)| {
                let cost = per.get(p)?;
                let next = (s + 1..LADDER.len()).find(|&t| cost[t] < cost[s])?;
                Some((p, next, cost[s] - cost[next]))
            })
            .max_by(|x, y| x.2.total_cmp(&y.2).then_with(|| y.0.cmp(x.0)))
            .map(|(p, next, saved)| (p.clone(), next, saved));
        let Some((p, next, saved)) = best else { break };
        steps.insert(p, next);
        now -= saved;
    }
}

/// A step may overshoot the aim: gives back, one step at a time, whatever still fits `target`,
/// the probe with the most lowered (then the first by name) first.
pub fn give_back(steps: &mut BTreeMap<String, usize>, per: &PerProbe, target: f64) {
    let mut now = total(steps, per);
    loop {
        let mut lowered: Vec<(&String, usize)> = steps
            .iter()
            .filter(|(_, s)| **s > 0)
            .map(|(p, s)| (p, *s))
            .collect();
        lowered.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(y.0)));
        // What the total becomes with `p` one step higher.
        let raised = |p: &String, s: usize| per.get(p).map_or(now, |c| now - c[s] + c[s - 1]);
        let back = lowered
            .into_iter()
            .map(|(p, s)| (p, s, raised(p, s)))
            .find(|(_, _, t)| *t <= target)
            .map(|(p, s, t)| (p.clone(), s, t));
        let Some((p, s, t)) = back else { break };
        steps.insert(p, s - 1);
        now = t;
    }
}

/// Fits `plan` into `budget_s` on `slots` CPU slots: returns the attempts kept (in plan order,
/// each carrying its chosen policy) and what was chosen.
pub fn fit(
    plan: Vec<Attempt>,
    base: &MeasurePolicy,
    history: &History,
    budget_s: f64,
    slots: usize,
) -> (Vec<Attempt>, Fit) {
    let slots = slots.max(1) as f64;
    let target = budget_s * AIM * slots;
    let costs = step_costs(&plan, base, history);
    let probes: BTreeSet<&str> = plan.iter().map(|a| a.probe.as_str()).collect();
    let mut steps: BTreeMap<String, usize> = probes.iter().map(|p| (p.to_string(), 0)).collect();
    // Each attempt's point, computed once: the fit asks which are dropped many times over.
    let points_of: Vec<(String, String)> = plan
        .iter()
        .map(|a| (a.probe.clone(), canonical(&a.params)))
        .collect();
    let mut dropped_points: BTreeSet<(String, String)> = BTreeSet::new();
    // Per probe, the predicted seconds of what is kept at each step; changes only on a drop.
    let sums = |dropped: &BTreeSet<(String, String)>| -> PerProbe {
        let mut out: PerProbe = BTreeMap::new();
        for ((a, c), k) in plan.iter().zip(&costs).zip(&points_of) {
            if dropped.contains(k) {
                continue;
            }
            let e = out.entry(a.probe.clone()).or_insert([0.0; LADDER.len()]);
            for (sum, cost) in e.iter_mut().zip(c) {
                *sum += cost;
            }
        }
        out
    };
    let mut per_probe = sums(&dropped_points);

    // 1. Lower the policy where it saves the most, then give back what still fits.
    lower(&mut steps, &per_probe, target);
    give_back(&mut steps, &per_probe, target);

    // 2. Drop whole points: the costliest point of the costliest probe, keeping one per probe.
    let mut dropped = Vec::new();
    while total(&steps, &per_probe) > target {
        // Per point: its attempts, its predicted seconds, and where it first comes in the plan
        // (the planner orders a probe's points by their axes, so the largest size comes last:
        // between points predicted alike, the later goes first).
        let mut points: BTreeMap<(String, String), (usize, f64, usize)> = BTreeMap::new();
        for (i, ((a, c), k)) in plan.iter().zip(&costs).zip(&points_of).enumerate() {
            if dropped_points.contains(k) {
                continue;
            }
            let e = points.entry(k.clone()).or_insert((0, 0.0, i));
            e.0 += 1;
            e.1 += c[steps[&a.probe]];
        }
        let mut by_probe: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
        for ((probe, _), (_, s, _)) in &points {
            let e = by_probe.entry(probe.as_str()).or_default();
            e.0 += 1;
            e.1 += s;
        }
        let probe = by_probe
            .iter()
            .filter(|(_, (n, _))| *n > 1)
            .max_by(|x, y| x.1.1.total_cmp(&y.1.1).then_with(|| y.0.cmp(x.0)))
            .map(|(p, _)| p.to_string());
        let Some(probe) = probe else { break };
        let victim = points
            .iter()
            .filter(|((p, _), _)| *p == probe)
            .max_by(|x, y| x.1.1.total_cmp(&y.1.1).then(x.1.2.cmp(&y.1.2)))
            .map(|(k, v)| (k.clone(), (v.0, v.1)));
        let Some(((probe, params), (attempts, s))) = victim else {
            break;
        };
        dropped_points.insert((probe.clone(), params.clone()));
        per_probe = sums(&dropped_points);
        dropped.push(Dropped {
            probe,
            params,
            attempts,
            predicted_s: s,
        });
    }

    // A dropped point can free more than was missing: spend it on measuring what is kept.
    if !dropped.is_empty() {
        give_back(&mut steps, &per_probe, target);
    }
    let predicted_s = total(&steps, &per_probe) / slots;
    let kept: Vec<Attempt> = plan
        .into_iter()
        .zip(&points_of)
        .filter(|(_, k)| !dropped_points.contains(*k))
        .map(|(a, _)| a)
        .enumerate()
        .map(|(i, mut a)| {
            a.index = i;
            let step = steps[&a.probe];
            a.policy = (step > 0).then(|| at_step(base, step));
            a
        })
        .collect();
    let fits = predicted_s <= budget_s * AIM;
    (
        kept,
        Fit {
            budget_s,
            predicted_s,
            steps,
            dropped,
            fits,
            paced: None,
        },
    )
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
