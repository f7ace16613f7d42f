//! The stopping rule's statistic: the relative width of the distribution-free confidence
//! interval of the median. The [`TimeStats`] of a row are computed by the schema's
//! [`time_stats`], the one definition every writer of rows shares (the importer too).
//!
//! This module is pure arithmetic on slices; it never times anything or decides when to stop.

#[cfg(doc)]
use nbench_schema::TimeStats;
pub use nbench_schema::stats::{quantile, time_stats};

/// Relative width of a ~95 % CI of the median of ascending `sorted`: the order statistics at
/// ranks ⌊n/2 − 0.98√n⌋ and ⌈n/2 + 0.98√n⌉ (1-based, clamped to 1..=n), divided by the median.
/// 0.98√n is 1.96·√n/2, the normal approximation to the binomial count below the median.
pub fn rel_ci_width(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::INFINITY;
    }
    let half = n as f64 / 2.0;
    let spread = 0.98 * (n as f64).sqrt();
    let lo = ((half - spread).floor().max(1.0) as usize).min(n);
    let hi = ((half + spread).ceil().max(1.0) as usize).min(n);
    let median = quantile(sorted, 0.5);
    let width = sorted[hi - 1] - sorted[lo - 1];
    if median > 0.0 {
        width / median
    } else if width == 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn fixed_inputs_give_exact_statistics() {
        let s = [5.0, 1.0, 4.0, 2.0, 3.0, 10.0];
        let t = time_stats(&s, 7, true).expect("non-empty");
        close(t.min, 1.0);
        close(t.max, 10.0);
        close(t.median, 3.5);
        close(t.mean, 25.0 / 6.0);
        // Σx² = 155, so Σ(x−mean)² = 155 − 625/6 = 305/6 and the (n−1) variance is 61/6.
        close(t.std, (61.0f64 / 6.0).sqrt());
        // |x − 3.5| = 1.5 2.5 0.5 1.5 0.5 6.5 → sorted 0.5 0.5 1.5 1.5 2.5 6.5 → median 1.5.
        close(t.mad, 1.5);
        // h = 5p: p25 → 1.25 → 2 + 0.25; p75 → 3.75 → 4 + 0.75; p95 → 4.75 → 5 + 0.75·5.
        close(t.p25, 2.25);
        close(t.p75, 4.75);
        close(t.p95, 8.75);
        close(t.p99, 5.0 + 0.95 * 5.0);
        assert_eq!((t.n, t.iters_per_sample), (6, 7));
        assert_eq!(t.samples.as_deref(), Some(&s[..]));
        assert!(time_stats(&s, 1, false).and_then(|t| t.samples).is_none());
    }

    #[test]
    fn single_sample_has_zero_spread() {
        let t = time_stats(&[2.0], 1, false).expect("non-empty");
        assert_eq!((t.std, t.mad, t.p99), (0.0, 0.0, 2.0));
        assert!(time_stats(&[], 1, false).is_none());
    }

    #[test]
    fn ci_ranks_on_fixed_input() {
        // n = 16: ranks ⌊8 − 3.92⌋ = 4 and ⌈8 + 3.92⌉ = 12 → values 4 and 12; median 8.5.
        let s: Vec<f64> = (1..=16).map(f64::from).collect();
        close(rel_ci_width(&s), 8.0 / 8.5);
    }

    #[test]
    fn ci_width_shrinks_as_n_grows() {
        let width = |n: usize| {
            let s: Vec<f64> = (1..=n).map(|i| 1.0 + i as f64 / (n + 1) as f64).collect();
            rel_ci_width(&s)
        };
        let ws: Vec<f64> = [10, 30, 100, 300, 1000, 3000, 10000].map(width).to_vec();
        assert!(ws.windows(2).all(|w| w[1] < w[0]), "{ws:?}");
    }
}
