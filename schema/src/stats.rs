//! The statistics of a row's [`TimeStats`] from its samples: one definition, used by the native
//! worker and by `nbench import` alike, so a statistic means the same whoever wrote the row.
//! Pure arithmetic on slices; nothing here times or decides anything.

use crate::row::TimeStats;

/// The `p`-quantile (0 ≤ p ≤ 1) of ascending `sorted` by linear interpolation between order
/// statistics (Hyndman–Fan type 7, the common default).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Statistics of `samples` (per-call seconds, in the order taken). `None` when empty.
pub fn time_stats(samples: &[f64], iters_per_sample: u64, keep: bool) -> Option<TimeStats> {
    let n = samples.len();
    if n == 0 {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / n as f64;
    let std = if n > 1 {
        let ss: f64 = samples.iter().map(|x| (x - mean) * (x - mean)).sum();
        (ss / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let median = quantile(&sorted, 0.5);
    let mut dev: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    Some(TimeStats {
        min: sorted[0],
        median,
        mean,
        std,
        mad: quantile(&dev, 0.5),
        p25: quantile(&sorted, 0.25),
        p75: quantile(&sorted, 0.75),
        p95: quantile(&sorted, 0.95),
        p99: quantile(&sorted, 0.99),
        max: sorted[n - 1],
        n: n as u64,
        iters_per_sample,
        samples: keep.then(|| samples.to_vec()),
    })
}
