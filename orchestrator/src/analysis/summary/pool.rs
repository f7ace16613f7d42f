//! Pooling one lane's steady-time statistics over the seeds of a point.
//!
//! Each seed is a different instance of the same problem, measured in its own process, so the
//! seeds are the independent replicates. The pooled `min` is the smallest of the seeds' minima
//! (the best the implementation did on any instance); the pooled `median`, `p25` and `p75` are
//! the medians over seeds of those per-seed statistics (the typical seed, robust to one noisy
//! process). Raw samples are not pooled: rows may keep none or a subset of them. This module
//! only does arithmetic on numbers it is given.

use nbench_schema::TimeStats;
use serde::{Deserialize, Serialize};

/// Steady time of one lane at one point, pooled over seeds, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledTime {
    pub min: f64,
    pub median: f64,
    pub p25: f64,
    pub p75: f64,
    /// `median − p25`: the lower arm of an interquartile error bar.
    pub iqr_below: f64,
    /// `p75 − median`: the upper arm.
    pub iqr_above: f64,
    /// Seeds (rows) pooled.
    pub seeds: usize,
    /// Samples behind them, summed.
    pub samples: u64,
}

/// Pools the given per-seed statistics; `None` when there are none.
pub fn pool(stats: &[&TimeStats]) -> Option<PooledTime> {
    if stats.is_empty() {
        return None;
    }
    let min = stats.iter().map(|s| s.min).fold(f64::INFINITY, f64::min);
    let median = median_of(stats.iter().map(|s| s.median).collect());
    let p25 = median_of(stats.iter().map(|s| s.p25).collect());
    let p75 = median_of(stats.iter().map(|s| s.p75).collect());
    Some(PooledTime {
        min,
        median,
        p25,
        p75,
        // Clamped: a seed mix can put the median of p25s above the median of medians.
        iqr_below: (median - p25).max(0.0),
        iqr_above: (p75 - median).max(0.0),
        seeds: stats.len(),
        samples: stats.iter().map(|s| s.n).sum(),
    })
}

/// The median, averaging the middle pair of an even count. `values` is non-empty.
fn median_of(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(min: f64, median: f64) -> TimeStats {
        TimeStats {
            min,
            median,
            mean: median,
            std: 0.0,
            mad: 0.0,
            p25: median - 1.0,
            p75: median + 1.0,
            p95: median + 2.0,
            p99: median + 3.0,
            max: median + 4.0,
            n: 10,
            iters_per_sample: 1,
            samples: None,
        }
    }

    #[test]
    fn pools_min_of_minima_and_median_of_medians() {
        let s = [
            stats(5.0, 10.0),
            stats(4.0, 12.0),
            stats(6.0, 20.0),
            stats(7.0, 11.0),
        ];
        let refs: Vec<&TimeStats> = s.iter().collect();
        let p = pool(&refs).expect("pooled");
        assert_eq!(p.min, 4.0);
        assert_eq!(p.median, 11.5);
        assert_eq!(p.p25, 10.5);
        assert_eq!(p.iqr_below, 1.0);
        assert_eq!(p.seeds, 4);
        assert_eq!(p.samples, 40);
        assert!(pool(&[]).is_none());
    }
}
