//! The hierarchical bootstrap behind a point's timing verdict. The unit of replication is the
//! worker process: each seed ran once per side in its own process, and process-to-process
//! differences (placement, frequency, cache colouring) are typically larger than the scatter of
//! samples within a process. Pooling samples across processes would count thousands of
//! correlated samples as independent evidence and cry wolf; so we resample seed pairs (the
//! processes) first and samples within each chosen process second. Pure; deterministic for a
//! given seed.

use super::rng::Rng;
use super::stats::{median, median_in_place, normal_sf};

/// One seed's two processes: the raw per-call samples of baseline and current. A side without
/// raw samples passes its median alone (the inner level then adds no scatter for it).
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    pub baseline: &'a [f64],
    pub current: &'a [f64],
}

/// What the bootstrap concluded about `log(current / baseline)` of the per-process medians,
/// averaged over processes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boot {
    /// Mean over seed pairs of `ln(median_current / median_baseline)`.
    pub log_ratio: f64,
    /// Bootstrap standard error of `log_ratio`, with the `n/(n−1)` small-sample correction
    /// (resampling n units underestimates their variance by that factor).
    pub se: f64,
    /// One-sided p-value that current is slower (normal approximation on the bootstrap SE).
    pub p_slower: f64,
    /// One-sided p-value that current is faster.
    pub p_faster: f64,
    /// 2.5th and 97.5th percentiles of the replicates, as log ratios.
    pub ci: (f64, f64),
}

/// Runs `resamples` replicates. `None` when fewer than two pairs have usable samples: with a
/// single process per side the between-process variance cannot be estimated, so no
/// significance can honestly be claimed.
pub fn hierarchical(pairs: &[Pair<'_>], resamples: usize, seed: u64) -> Option<Boot> {
    let pairs: Vec<Pair<'_>> = pairs
        .iter()
        .copied()
        .filter(|p| usable(p.baseline) && usable(p.current))
        .collect();
    let n = pairs.len();
    if n < 2 || resamples < 2 {
        return None;
    }
    let log_ratio = pairs
        .iter()
        .map(|p| (median(p.current) / median(p.baseline)).ln())
        .sum::<f64>()
        / n as f64;

    let mut rng = Rng::new(seed);
    let mut buf = Vec::new();
    let mut reps = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let mut sum = 0.0;
        for _ in 0..n {
            let p = pairs[rng.below(n)];
            let mb = resampled_median(p.baseline, &mut rng, &mut buf);
            let mc = resampled_median(p.current, &mut rng, &mut buf);
            sum += (mc / mb).ln();
        }
        reps.push(sum / n as f64);
    }
    let mean = reps.iter().sum::<f64>() / resamples as f64;
    let var = reps.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (resamples - 1) as f64;
    let se = (var * n as f64 / (n - 1) as f64).sqrt();
    let z = if se > 0.0 {
        log_ratio / se
    } else if log_ratio == 0.0 {
        0.0
    } else {
        // No scatter at all and a nonzero shift: as strong as evidence gets.
        log_ratio.signum() * f64::INFINITY
    };
    reps.sort_by(f64::total_cmp);
    let at = |q: f64| reps[((resamples - 1) as f64 * q).round() as usize];
    Some(Boot {
        log_ratio,
        se,
        p_slower: normal_sf(z),
        p_faster: normal_sf(-z),
        ci: (at(0.025), at(0.975)),
    })
}

fn usable(v: &[f64]) -> bool {
    !v.is_empty() && v.iter().all(|x| x.is_finite() && *x > 0.0)
}

fn resampled_median(v: &[f64], rng: &mut Rng, buf: &mut Vec<f64>) -> f64 {
    if v.len() == 1 {
        return v[0];
    }
    buf.clear();
    buf.extend((0..v.len()).map(|_| v[rng.below(v.len())]));
    median_in_place(buf)
}
