//! The small pieces of statistics the gate is built from: medians, the normal tail, the
//! Mann–Whitney U test and the Benjamini–Hochberg step-up. Pure functions on slices; nothing here
//! knows about rows.

/// The median of `v` (mean of the two middle values for even length); NaN when empty. Reorders
/// `v` (selection, not a full sort, because the bootstrap calls this in its inner loop).
pub fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let (_, hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let hi = *hi;
    if n % 2 == 1 {
        return hi;
    }
    // The lower middle is the largest value left of the upper middle.
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    0.5 * (lo + hi)
}

/// The median of `v`, leaving it untouched.
pub fn median(v: &[f64]) -> f64 {
    median_in_place(&mut v.to_vec())
}

/// The upper tail of the standard normal, `P(Z > z)`, accurate to about 1e-7 relative
/// (Numerical Recipes' `erfcc` Chebyshev fit), which is far finer than any gate decision needs.
pub fn normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// One-sided Mann–Whitney U test that `current` tends to be larger (slower) than `baseline`:
/// the p-value of the normal approximation with tie correction. 1 when either side is empty.
/// Rank-based, so one descheduled sample cannot swing it.
pub fn mann_whitney_greater(baseline: &[f64], current: &[f64]) -> f64 {
    let (n1, n2) = (baseline.len(), current.len());
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let mut all: Vec<(f64, bool)> = baseline
        .iter()
        .map(|&x| (x, false))
        .chain(current.iter().map(|&x| (x, true)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = all.len();
    let mut rank_sum_current = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // Tied values share the mean of the ranks they span (ranks are 1-based).
        let rank = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        rank_sum_current += rank * all[i..=j].iter().filter(|e| e.1).count() as f64;
        i = j + 1;
    }
    let (n1, n2, nf) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_current - n2 * (n2 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)));
    if var <= 0.0 {
        return if u > mean { 0.0 } else { 1.0 };
    }
    // Continuity correction: U moves in steps of 1.
    normal_sf((u - mean - 0.5) / var.sqrt())
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the input order: a hypothesis is
/// rejected at false-discovery rate α iff its q ≤ α. NaN p-values stay NaN and do not count.
pub fn bh_adjust(p: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    let m = idx.len() as f64;
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![f64::NAN; p.len()];
    let mut running = 1.0_f64;
    for (rank, &i) in idx.iter().enumerate().rev() {
        running = running.min(p[i] * m / (rank as f64 + 1.0));
        q[i] = running.min(1.0);
    }
    q
}
