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

/// Calls `kernel` until `budget_s` has passed, at least once; returns the number of calls.
pub fn warmup(kernel: &mut dyn Kernel, budget_s: f64) -> u64 {
    let budget = secs(budget_s);
    let start = Instant::now();
    let mut iters = 0u64;
    loop {
        kernel.run();
        iters += 1;
        if start.elapsed() >= budget {
            return iters;
        }
    }
}

/// Calibrates and samples under `policy`. The time cap covers calibration too, and there is
/// always at least one sample.
pub fn sample(kernel: &mut dyn Kernel, policy: &MeasurePolicy) -> Sampled {
    let start = Instant::now();
    let cap = secs(policy.time_cap_s);
    let target = secs(policy.sample_target_s);

    // Doubling until one sample reaches the target; the last timing becomes the first sample.
    let mut iters = 1u64;
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
        let s = sample(&mut k, &policy(3));
        assert_eq!((s.samples.len(), s.stop_reason), (3, "max_samples"));
        assert!(s.iters_per_sample >= 1);
        let s = sample(
            &mut k,
            &MeasurePolicy {
                time_cap_s: 0.0,
                ..policy(100)
            },
        );
        assert_eq!((s.samples.len(), s.stop_reason), (1, "time_cap"));
        assert!(warmup(&mut k, 0.0) >= 1);
    }
}
