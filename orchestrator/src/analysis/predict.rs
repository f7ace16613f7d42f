//! How long a plan will take, before it starts (docs/budget.md). Each attempt's wall time is
//! predicted from what the store last measured of its attempt key on this host — split into
//! the part no policy changes (spawn, setup, fidelity, cold call) and the sampling the policy
//! governs, so a prediction holds under another policy too (what `--budget` needs) — else
//! from the policy alone. It computes numbers only; `--dry-run`, the progress ETA and the
//! verdict render them.

use std::collections::{BTreeMap, HashMap};

use nbench_schema::{MeasurePolicy, Row, Status, params::canonical};
use serde::Serialize;

use crate::attempt::Attempt;

/// What an attempt costs outside the policy's control when nothing is known of it: spawn,
/// setup, the fidelity check and the cold call of a small kernel (about 20 ms here).
pub const UNKNOWN_FIXED_S: f64 = 0.02;

/// What the warm-up's steady-state rule takes on a kernel nothing is known of, in sample
/// targets: blocks doubling up to the target (about one more target in all), then the three
/// blocks the worker's rule needs at least (`STEADY_BLOCKS` in the worker's `measure.rs`).
pub const STEADY_WARMUP_TARGETS: f64 = 4.0;

/// What one measured row says about its attempt key, independent of the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Wall seconds no policy changes.
    pub fixed_s: f64,
    /// One call's seconds (the median); 0 when unknown.
    pub call_s: f64,
    /// One sample's seconds under the row's `sample_target_s`, and that target.
    pub sample_s: f64,
    pub sample_target_s: f64,
    /// Samples the CI target needed; `None` when it never converged (the time cap or the
    /// sample cap stopped it) or nothing was sampled.
    pub converged_at: Option<f64>,
    /// The row's CI target, for scaling `converged_at` to another target.
    pub target_rel_ci: f64,
    /// Seconds the steady-state warm-up rule took on this key, when the row was measured under
    /// it (`measurement.warmup_spent_s`).
    pub steady_warmup_s: Option<f64>,
    /// Whether this came from a measured row (else the policy-only model).
    pub measured: bool,
}

impl Cost {
    /// The policy-only model: a fast kernel that converges at the policy's minimum.
    pub fn unknown() -> Cost {
        Cost {
            fixed_s: UNKNOWN_FIXED_S,
            call_s: 0.0,
            sample_s: 0.0,
            sample_target_s: 0.0,
            converged_at: Some(0.0),
            target_rel_ci: 0.0,
            steady_warmup_s: None,
            measured: false,
        }
    }

    /// What `row` says, if it ran long enough to say anything (a worker wall time).
    pub fn of(row: &Row) -> Option<Cost> {
        let wall = row.worker.as_ref()?.wall_s;
        if !(wall.is_finite() && wall >= 0.0) {
            return None;
        }
        let steady = row.metrics.as_ref().and_then(|m| m.steady_time.as_ref());
        let (Some(m), Some(t)) = (row.measurement.as_ref(), steady) else {
            // A failure or an unmeasured outcome: it will most likely take as long again.
            return Some(Cost {
                fixed_s: wall,
                converged_at: Some(0.0),
                measured: true,
                ..Cost::unknown()
            });
        };
        let sample_s = t.median * t.iters_per_sample.max(1) as f64;
        let sampling = sample_s * t.n as f64;
        // Rows from before the steady-state rule warmed up for their whole budget.
        let warmup = m.warmup_spent_s.unwrap_or(m.warmup_s.max(t.median));
        let steady = m.warmup_steady_tol.is_some_and(|tol| tol > 0.0);
        Some(Cost {
            fixed_s: (wall - warmup - sampling).max(0.0),
            call_s: t.median.max(0.0),
            sample_s,
            sample_target_s: m.sample_target_s,
            converged_at: (m.stop_reason == "converged").then_some(t.n as f64),
            target_rel_ci: m.target_rel_ci,
            steady_warmup_s: m.warmup_spent_s.filter(|_| steady),
            measured: true,
        })
    }

    /// Predicted wall seconds of the attempt under `p`, by the worker's own rules: warm-up
    /// until `warmup_s` has passed or, under the steady-state rule, as long as it took this key
    /// before (at least one call), then samples until the minimum count and the CI target, or
    /// the time cap (the last sample may overrun it), or the sample cap.
    pub fn wall_s(&self, p: &MeasurePolicy) -> f64 {
        let warmup = if p.warmup_steady_tol > 0.0 {
            let steady = self
                .steady_warmup_s
                .unwrap_or(STEADY_WARMUP_TARGETS * p.sample_target_s.max(self.call_s));
            p.warmup_s.min(steady).max(self.call_s)
        } else {
            p.warmup_s.max(self.call_s)
        };
        // Calls per sample are calibrated to reach the target: a sample scales with it until
        // one call alone is longer.
        let sample = if self.sample_target_s > 0.0 {
            (self.sample_s * p.sample_target_s / self.sample_target_s).max(self.call_s)
        } else {
            p.sample_target_s.max(self.call_s)
        };
        // The median's CI narrows as 1/√n: a tighter target needs quadratically more samples.
        let needed = match self.converged_at {
            Some(n) if self.target_rel_ci > 0.0 && p.target_rel_ci > 0.0 => {
                n * (self.target_rel_ci / p.target_rel_ci).powi(2)
            }
            Some(n) => n,
            None => f64::INFINITY,
        };
        let n = needed
            .max(p.min_samples as f64)
            .min(p.max_samples.max(1) as f64)
            .ceil();
        let sampling = (n * sample).min(p.time_cap_s + sample);
        self.fixed_s + warmup + sampling
    }
}

/// The key a prediction is looked up by: the attempt key without the variant (an A/B build
/// of the same attempt costs about the same).
pub fn key(probe: &str, params: &nbench_schema::Params, seed: u64, lane: [&str; 3]) -> String {
    format!(
        "{probe}|{}|{seed}|{}|{}|{}",
        canonical(params),
        lane[0],
        lane[1],
        lane[2]
    )
}

fn attempt_key(a: &Attempt) -> String {
    key(
        &a.probe,
        &a.params,
        a.seed,
        [&a.backend, &a.provider, &a.platform],
    )
}

/// The newest measured cost per key, from rows of `host` (any host when `None`); interrupted
/// rows and rows without a worker wall time (imports) say nothing.
#[derive(Debug, Default, Clone)]
pub struct History {
    newest: HashMap<String, (String, Cost)>,
}

impl History {
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a Row>, host: Option<&str>) -> History {
        let mut h = History::default();
        for r in rows {
            if r.status == Status::Interrupted || r.profile.is_some() {
                continue;
            }
            if let (Some(want), Some(got)) = (host, r.host.as_ref())
                && got.hostname != want
            {
                continue;
            }
            let Some(cost) = Cost::of(r) else { continue };
            let k = key(
                &r.probe,
                &r.params,
                r.seed,
                [&r.backend, &r.provider, &r.platform],
            );
            let when = format!("{}|{}", r.finished_at, r.run_id);
            match h.newest.get(&k) {
                Some((seen, _)) if *seen >= when => {}
                _ => {
                    h.newest.insert(k, (when, cost));
                }
            }
        }
        h
    }

    /// What is known of `a`: its newest measured cost, else the policy-only model.
    pub fn cost(&self, a: &Attempt) -> Cost {
        self.newest
            .get(&attempt_key(a))
            .map_or_else(Cost::unknown, |(_, c)| *c)
    }

    /// How many keys are known.
    pub fn len(&self) -> usize {
        self.newest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.newest.is_empty()
    }
}

/// One family's share of a prediction.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Share {
    pub attempts: usize,
    /// Of which predicted from a measured row.
    pub measured: usize,
    /// Σ predicted attempt wall seconds (one slot's worth).
    pub attempt_s: f64,
}

/// A plan's predicted wall time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Prediction {
    /// Predicted wall seconds of the whole plan on the run's slots.
    pub total_s: f64,
    pub attempts: usize,
    pub measured: usize,
    /// By family, in name order.
    pub families: BTreeMap<String, Share>,
    /// Each attempt's predicted seconds, in plan order (the progress ETA's input).
    #[serde(skip)]
    pub per_attempt: Vec<f64>,
}

/// Predicts `plan`'s wall time: each attempt under `policy_of` its attempt, the CPU attempts
/// spread over `cpu_slots` and the GPU attempts over `gpus` devices, the two running side by
/// side, so the longer of the two is the plan's.
pub fn predict(
    plan: &[Attempt],
    history: &History,
    policy_of: impl Fn(&Attempt) -> MeasurePolicy,
    cpu_slots: usize,
    gpus: usize,
) -> Prediction {
    let mut p = Prediction {
        attempts: plan.len(),
        ..Prediction::default()
    };
    let (mut cpu, mut gpu) = (0.0, 0.0);
    for a in plan {
        let cost = history.cost(a);
        let s = cost.wall_s(&policy_of(a));
        p.per_attempt.push(s);
        let share = p.families.entry(a.family.clone()).or_default();
        share.attempts += 1;
        share.attempt_s += s;
        if cost.measured {
            share.measured += 1;
            p.measured += 1;
        }
        if a.platform == "cpu" {
            cpu += s;
        } else {
            gpu += s;
        }
    }
    p.total_s = (cpu / cpu_slots.max(1) as f64).max(gpu / gpus.max(1) as f64);
    p
}

/// `(actual − predicted) / predicted`: how far a run's wall time was from its prediction.
pub fn relative_error(predicted_s: f64, actual_s: f64) -> f64 {
    if predicted_s > 0.0 {
        (actual_s - predicted_s) / predicted_s
    } else {
        f64::NAN
    }
}

/// The predicted seconds left after `done` of `plan`'s attempts (by index) have finished, on
/// `slots` slots: the progress display's ETA.
pub fn remaining_s(per_attempt: &[f64], done: &[bool], slots: usize) -> f64 {
    let left: f64 = per_attempt
        .iter()
        .zip(done.iter().chain(std::iter::repeat(&false)))
        .filter(|(_, d)| !**d)
        .map(|(s, _)| s)
        .sum();
    left / slots.max(1) as f64
}

#[cfg(test)]
#[path = "predict_tests.rs"]
pub(crate) mod tests;
