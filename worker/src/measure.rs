//! The timing loops: warm-up, calibration of calls per sample, and sampling until the stopping
//! rule holds (docs/architecture.md, "Measurement").
//!
//! This module owns when to stop and what one sample is (total time of `iters` calls divided
//! by `iters`, on the monotonic clock). It never compares outputs and never touches the row.

use std::time::{Duration, Instant};

use nbench_schema::MeasurePolicy;

use crate::probe::Kernel;
use crate::stats::rel_ci_width;

/// Calls per sample never grow past this, so a kernel that reads as zero time cannot loop
/// the calibration forever.
const MAX_ITERS: u64 = 1 << 40;

/// What sampling produced.
#[derive(Debug, Clone)]
pub struct Sampled {
    /// Per-call seconds, in the order taken.
    pub samples: Vec<f64>,
    /// Calls per sample.
    pub iters_per_sample: u64,
    /// `converged`, `time_cap` or `max_samples`.
    pub stop_reason: &'static str,
    /// Relative CI width of the median at the stop.
    pub achieved_rel_ci: f64,
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)
}

fn timed(kernel: &mut dyn Kernel, iters: u64) -> Duration {
    // A device kernel times itself: the host clock would include launch queueing.
    if let Some(t) = kernel.timed(iters) {
        return t;
    }
    let start = Instant::now();
    for _ in 0..iters {
        kernel.run();
    }
    start.elapsed()
}

/// Blocks at the calibrated size the steady-state rule needs before it may end warm-up: one to
/// set the best, then enough that a single lucky block cannot end it.
pub const STEADY_BLOCKS: u32 = 3;

/// What warm-up did.
#[derive(Debug, Clone, Copy)]
pub struct Warmed {
    /// Calls made.
    pub iters: u64,
    /// Seconds it took.
    pub spent_s: f64,
    /// Calls per block when it ended: where [`sample`]'s calibration starts, so the doubling
    /// warm-up already did is not done again.
    pub block: u64,
}

/// Warms `kernel` up under `policy` (docs/architecture.md, "Measurement"): blocks of calls,
/// doubling until one reaches `sample_target_s`, until `warmup_s` has passed (at least one call,
/// at most one block past it) or, with the steady-state rule on, until blocks stop getting
/// faster. A kernel of 1 µs then warms up for a few milliseconds and one of 100 ms for the
/// whole budget, instead of both for the budget.
pub fn warmup(kernel: &mut dyn Kernel, policy: &MeasurePolicy) -> Warmed {
    let budget = secs(policy.warmup_s);
    let target = secs(policy.sample_target_s);
    // NaN counts as off, like 0 (the orchestrator refuses both NaN and negatives anyway).
    let tol = policy.warmup_steady_tol;
    let rule = tol > 0.0;
    let start = Instant::now();
    let (mut iters, mut block, mut steady) = (0u64, 1u64, 0u32);
    let mut best = f64::INFINITY;
    loop {
        let t = timed(kernel, block);
        iters += block;
        let ended = start.elapsed() >= budget || {
            // Blocks double until one reaches the sample target, as calibration does, so a
            // block is far above the timer's resolution before it is judged.
            if t < target && block < MAX_ITERS {
                block *= 2;
                false
            } else {
                let per_call = t.as_secs_f64() / block as f64;
                let faster = per_call < best * (1.0 - tol);
                best = best.min(per_call);
                steady += 1;
                rule && steady >= STEADY_BLOCKS && !faster
            }
        };
        if ended {
            return Warmed {
                iters,
                spent_s: start.elapsed().as_secs_f64(),
                block,
            };
        }
    }
}

/// Calibrates, from `from_iters` calls per sample up, and samples under `policy`. The time cap
/// covers calibration too, and there is always at least one sample.
pub fn sample(kernel: &mut dyn Kernel, policy: &MeasurePolicy, from_iters: u64) -> Sampled {
    let start = Instant::now();
    let cap = secs(policy.time_cap_s);
    let target = secs(policy.sample_target_s);

    // Doubling until one sample reaches the target; the last timing becomes the first sample.
    let mut iters = from_iters.clamp(1, MAX_ITERS);
    let first = loop {
        let t = timed(kernel, iters);
        // Stop doubling when the next, twice-as-long attempt would overrun the cap.
        let would_overrun = start.elapsed().saturating_add(t.saturating_mul(2)) > cap;
        if t >= target || would_overrun || iters >= MAX_ITERS {
            break t;
        }
        iters *= 2;
    };

    let per_call = |t: Duration| t.as_secs_f64() / iters as f64;
    let mut samples = vec![per_call(first)];
    // Kept sorted incrementally so the CI check per sample costs O(n), not a sort.
    let mut sorted = samples.clone();
    let max_samples = policy.max_samples.max(1);
    loop {
        let n = samples.len() as u64;
        let ci = rel_ci_width(&sorted);
        let reason = if n >= max_samples {
            Some("max_samples")
        } else if n >= policy.min_samples && ci <= policy.target_rel_ci {
            Some("converged")
        } else if start.elapsed() >= cap {
            Some("time_cap")
        } else {
            None
        };
        if let Some(stop_reason) = reason {
            return Sampled {
                samples,
                iters_per_sample: iters,
                stop_reason,
                achieved_rel_ci: ci,
            };
        }
        let s = per_call(timed(kernel, iters));
        samples.push(s);
        let pos = sorted.partition_point(|&x| x < s);
        sorted.insert(pos, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nop(u64);
    impl Kernel for Nop {
        fn run(&mut self) {
            self.0 = std::hint::black_box(self.0.wrapping_add(1));
        }
        fn output(&self) -> Vec<f64> {
            Vec::new()
        }
        fn oracle(&self) -> Option<Vec<f64>> {
            None
        }
    }

    fn policy(max_samples: u64) -> MeasurePolicy {
        MeasurePolicy {
            warmup_s: 0.0,
            warmup_steady_tol: 0.0,
            sample_target_s: 0.0001,
            min_samples: 5,
            max_samples,
            target_rel_ci: 0.0,
            time_cap_s: 0.05,
            cache: "hot".into(),
            keep_samples: true,
        }
    }

    #[test]
    fn stops_at_max_samples_or_cap_with_at_least_one() {
        let mut k = Nop(0);
        let s = sample(&mut k, &policy(3), 1);
        assert_eq!((s.samples.len(), s.stop_reason), (3, "max_samples"));
        assert!(s.iters_per_sample >= 1);
        let s = sample(
            &mut k,
            &MeasurePolicy {
                time_cap_s: 0.0,
                ..policy(100)
            },
            1,
        );
        assert_eq!((s.samples.len(), s.stop_reason), (1, "time_cap"));
        assert!(warmup(&mut k, &policy(1)).iters >= 1);
    }

    /// A kernel that times itself (as a device kernel does) on a synthetic clock, so the
    /// warm-up rule is tested without the machine's noise: call `c` takes
    /// `floor + excess · decay^c` seconds.
    struct Synthetic {
        calls: u64,
        floor: f64,
        excess: f64,
        decay: f64,
    }
    impl Synthetic {
        fn per_call(&self) -> f64 {
            self.floor + self.excess * self.decay.powf(self.calls as f64)
        }
    }
    impl Kernel for Synthetic {
        fn run(&mut self) {
            self.calls += 1;
        }
        fn timed(&mut self, iters: u64) -> Option<Duration> {
            let mut t = 0.0;
            for _ in 0..iters {
                t += self.per_call();
                self.calls += 1;
            }
            Some(Duration::from_secs_f64(t))
        }
        fn output(&self) -> Vec<f64> {
            Vec::new()
        }
        fn oracle(&self) -> Option<Vec<f64>> {
            None
        }
    }

    fn steady(budget_s: f64) -> MeasurePolicy {
        MeasurePolicy {
            warmup_s: budget_s,
            warmup_steady_tol: 0.01,
            sample_target_s: 0.001,
            ..policy(10)
        }
    }

    #[test]
    fn steady_warmup_ends_once_calls_stop_getting_faster() {
        // 1 µs a call, flat: blocks double 1, 2 … 1024 (1.024 ms, the first to reach the 1 ms
        // target), then two more blocks of 1024 that are no faster end it.
        let mut flat = Synthetic {
            calls: 0,
            floor: 1e-6,
            excess: 0.0,
            decay: 1.0,
        };
        let w = warmup(&mut flat, &steady(60.0));
        assert_eq!(w.iters, 2047 + 2 * 1024);
        // 10 µs a call falling to 1 µs, 5 % of the excess gone every 100 calls: warm-up goes on
        // while blocks keep getting faster by more than 1 %, well into the fall.
        let mut ramp = Synthetic {
            calls: 0,
            floor: 1e-6,
            excess: 9e-6,
            decay: 0.95f64.powf(0.01),
        };
        let w = warmup(&mut ramp, &steady(60.0));
        assert!(
            ramp.per_call() < 1.2e-6,
            "warm-up ended after {} calls at {:.3} µs a call, still 20 % or more above the floor",
            w.iters,
            ramp.per_call() * 1e6
        );
    }

    #[test]
    fn warmup_without_the_rule_runs_the_whole_budget() {
        let mut k = Nop(0);
        let off = MeasurePolicy {
            warmup_steady_tol: 0.0,
            ..steady(0.05)
        };
        let w = warmup(&mut k, &off);
        assert!(w.spent_s >= 0.05 && w.iters > 1, "{w:?}");
        // With the rule, a trivial kernel is done long before a budget of a minute.
        let w = warmup(&mut k, &steady(60.0));
        assert!(w.spent_s < 30.0, "{w:?}");
    }
}
