//! Keeping a budgeted run on its budget while it runs (docs/budget.md, "Pacing"). `--budget`
//! fits the plan on predicted times before the first attempt ([`super::budget`]), and those
//! come from rows measured minutes or days before, on a machine whose speed moves. Once enough
//! of the run has finished, the ratio of the measured to the predicted seconds of what finished
//! rescales the predictions of what has not started, and the ladder steps of those attempts are
//! chosen again to fit what is left of the budget: back up towards the run's own policy when
//! the machine runs ahead, further down when it runs behind. Points dropped before the start
//! stay dropped, an attempt keeps the policy it started under, and the lanes of one point and
//! seed (adjacent in the plan) start under the policy the first of them got, so a ratio between
//! backends never mixes policies.
//!
//! It computes only: the dispatcher says what starts, what finished and how long the run has
//! gone; it reads no clock and writes nothing.

use std::collections::{BTreeMap, HashMap};

use nbench_schema::{MeasurePolicy, params::canonical};
use serde::{Deserialize, Serialize};

use super::budget::{self, AIM, LADDER, PerProbe};
use super::predict::History;
use crate::attempt::Attempt;

/// The share of the first prediction that must have finished before its ratio is trusted:
/// the first attempts of a plan are one probe's, which says little about the others.
pub const EVIDENCE: f64 = 0.05;

/// The fewest finished attempts whose ratio is trusted.
pub const MIN_FINISHED: usize = 20;

/// The ratio is held within these bounds, so one odd stretch cannot send the rest of the plan
/// to the ladder's last step or back to its first.
pub const RATIO_BOUNDS: (f64, f64) = (0.25, 4.0);

/// What pacing did, for the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paced {
    /// Measured over predicted seconds of the finished attempts, at the end (within
    /// [`RATIO_BOUNDS`]); `None` when too little finished to trust it.
    pub ratio: Option<f64>,
    /// How many times the steps of attempts not yet started changed.
    pub refits: usize,
    /// Each probe's step when the run ended: what its last attempts started under.
    pub steps: BTreeMap<String, usize>,
}

/// The pacing of one budgeted run.
pub struct Pace {
    base: MeasurePolicy,
    slots: f64,
    /// Wall seconds from the first attempt the run aims to end at.
    aim_s: f64,
    /// Plan position by attempt id.
    position: HashMap<String, usize>,
    costs: Vec<[f64; LADDER.len()]>,
    steps: BTreeMap<String, usize>,
    /// Per probe, the predicted seconds of its attempts not yet started, at each step, and
    /// how many there are.
    unstarted: PerProbe,
    left: BTreeMap<String, usize>,
    /// Predicted seconds of each running attempt, at the step it started under.
    running: HashMap<usize, f64>,
    /// The (probe, params, seed) that started last, and its step: the next lane of the same
    /// point and seed follows it. (Only the adjacent ones: `--repeat` measures the key again
    /// a whole plan later, under whatever fits then.)
    last: Option<((String, String, u64), usize)>,
    first_s: f64,
    predicted_done: f64,
    measured_done: f64,
    finished: usize,
    refits: usize,
}

impl Pace {
    /// Pacing for `plan` (already fitted: `steps` is what the fit chose) within `budget_s` on
    /// `slots` CPU slots.
    pub fn new(
        plan: &[Attempt],
        base: &MeasurePolicy,
        history: &History,
        budget_s: f64,
        slots: usize,
        steps: &BTreeMap<String, usize>,
    ) -> Pace {
        let costs = budget::step_costs(plan, base, history);
        let mut unstarted: PerProbe = BTreeMap::new();
        let mut left: BTreeMap<String, usize> = BTreeMap::new();
        let mut first_s = 0.0;
        for (p, c) in plan.iter().map(|a| &a.probe).zip(&costs) {
            let sum = unstarted.entry(p.clone()).or_insert([0.0; LADDER.len()]);
            for (s, v) in sum.iter_mut().zip(c) {
                *s += v;
            }
            *left.entry(p.clone()).or_default() += 1;
            first_s += c[steps.get(p).copied().unwrap_or(0)];
        }
        let steps = left
            .keys()
            .map(|p| (p.clone(), steps.get(p).copied().unwrap_or(0)))
            .collect();
        Pace {
            base: base.clone(),
            slots: slots.max(1) as f64,
            aim_s: budget_s * AIM,
            position: plan
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.clone(), i))
                .collect(),
            costs,
            steps,
            unstarted,
            left,
            running: HashMap::new(),
            last: None,
            first_s,
            predicted_done: 0.0,
            measured_done: 0.0,
            finished: 0,
            refits: 0,
        }
    }

    /// `attempt` starts now: the policy it runs under (`None`: the run's own).
    pub fn start(&mut self, attempt: &Attempt) -> Option<MeasurePolicy> {
        let Some(&i) = self.position.get(&attempt.id) else {
            return attempt.policy.clone();
        };
        let p = &attempt.probe;
        let current = self.steps.get(p).copied().unwrap_or(0);
        let lane = (p.clone(), canonical(&attempt.params), attempt.seed);
        let step = match &self.last {
            Some((prev, step)) if *prev == lane => *step,
            _ => current,
        };
        self.last = Some((lane, step));
        if let Some(sum) = self.unstarted.get_mut(p) {
            for (s, v) in sum.iter_mut().zip(&self.costs[i]) {
                *s -= v;
            }
        }
        if let Some(n) = self.left.get_mut(p) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                // Nothing left to steer; and no rounding residue may look like a saving.
                self.unstarted.remove(p);
            }
        }
        self.running.insert(i, self.costs[i][step]);
        (step > 0).then(|| budget::at_step(&self.base, step))
    }

    /// The attempt `id` finished: its worker took `measured_s` (`None` when no worker ran, as
    /// for an attempt refused before it started), `elapsed_s` into the run. Refits the steps
    /// of what has not started.
    pub fn finish(&mut self, id: &str, measured_s: Option<f64>, elapsed_s: f64) {
        let Some(i) = self.position.get(id).copied() else {
            return;
        };
        let Some(predicted) = self.running.remove(&i) else {
            return;
        };
        if let Some(m) = measured_s.filter(|m| m.is_finite() && *m >= 0.0) {
            self.predicted_done += predicted;
            self.measured_done += m;
            self.finished += 1;
        }
        self.refit(elapsed_s);
    }

    /// Measured over predicted seconds of what finished, once there is enough of it.
    pub fn ratio(&self) -> Option<f64> {
        let enough = self.finished >= MIN_FINISHED
            && self.predicted_done >= EVIDENCE * self.first_s
            && self.predicted_done > 0.0;
        enough.then(|| {
            (self.measured_done / self.predicted_done).clamp(RATIO_BOUNDS.0, RATIO_BOUNDS.1)
        })
    }

    fn refit(&mut self, elapsed_s: f64) {
        let Some(ratio) = self.ratio() else { return };
        // Slot-seconds left to the aim, less what the running attempts will still take (all
        // of their prediction: how far each has got is not known).
        let running: f64 = self.running.values().sum::<f64>() * ratio;
        let left = (self.aim_s - elapsed_s) * self.slots - running;
        // In predicted seconds, which is what the ladder's costs are.
        let target = left.max(0.0) / ratio;
        let mut steps: BTreeMap<String, usize> =
            self.steps.keys().map(|p| (p.clone(), 0)).collect();
        budget::lower(&mut steps, &self.unstarted, target);
        budget::give_back(&mut steps, &self.unstarted, target);
        // A probe with nothing left keeps the step its last attempts ran under.
        for (p, s) in steps.iter_mut() {
            if !self.unstarted.contains_key(p) {
                *s = self.steps[p];
            }
        }
        if steps != self.steps {
            self.refits += 1;
            self.steps = steps;
        }
    }

    /// The wall seconds the run has left by pacing's reckoning, once it trusts its ratio: what
    /// has not started at its current step and what is running (all of its prediction), both
    /// rescaled, over the slots.
    pub fn remaining_s(&self) -> Option<f64> {
        let ratio = self.ratio()?;
        let unstarted: f64 = self
            .unstarted
            .iter()
            .map(|(p, c)| c[self.steps.get(p).copied().unwrap_or(0)])
            .sum();
        let running: f64 = self.running.values().sum();
        Some(ratio * (unstarted + running) / self.slots)
    }

    /// What pacing did, for the manifest.
    pub fn record(&self) -> Paced {
        Paced {
            ratio: self.ratio(),
            refits: self.refits,
            steps: self.steps.clone(),
        }
    }
}

#[cfg(test)]
#[path = "pace_tests.rs"]
mod tests;
