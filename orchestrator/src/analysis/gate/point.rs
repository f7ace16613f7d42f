//! One point's verdict from its matched seed pairs: per-seed changes and status checks, the
//! hierarchical bootstrap over the seeds, and (given the Benjamini–Hochberg q-values, which
//! need every point) the final classification. No I/O.

use nbench_schema::{FidelityStatus, Row, Status, TimeStats};

use super::bootstrap::{self, Boot, Pair};
use super::doc::{KeyResult, PointResult, Severity, Verdict};
use super::imported;
use super::keys::GateKey;
use super::settings::GateSettings;
use super::stats::mann_whitney_greater;

/// A point after the per-point work, before the cross-point correction.
pub struct Tested {
    pub result: PointResult,
    pub boot: Option<Boot>,
    pub samples: u64,
}

fn steady(r: &Row) -> Option<&TimeStats> {
    if r.status != Status::Ok {
        return None;
    }
    r.metrics.as_ref()?.steady_time.as_ref()
}

fn samples_of(t: &TimeStats) -> &[f64] {
    match &t.samples {
        Some(s) if !s.is_empty() => s,
        // Without raw samples the process contributes its median alone.
        _ => std::slice::from_ref(&t.median),
    }
}

fn fidelity(r: &Row) -> Option<FidelityStatus> {
    r.fidelity.as_ref().map(|f| f.status)
}

fn fidelity_name(s: FidelityStatus) -> String {
    match s {
        FidelityStatus::Pass => "pass",
        FidelityStatus::Fail => "fail",
        FidelityStatus::Inconclusive => "inconclusive",
    }
    .to_string()
}

fn ratio(c: f64, b: f64) -> Option<f64> {
    let r = c / b;
    (r.is_finite() && r > 0.0).then_some(r)
}

/// The change in the fastest call any process of a side made: the best `min` of the current
/// side over the best of the baseline, minus 1, over the seeds both measured. A process's own
/// `min` carries that process's luck (the state of the machine while it ran: a memory-bound
/// kernel's two speeds, a parallel kernel's slow stretches), which a code change does not
/// choose; the best of a side's processes is the code's floor, and a change to the code moves
/// every process's floor, the best one included (docs/compare.md, "Verdicts").
fn best_min_change(mins: &[(f64, f64)]) -> Option<f64> {
    let best = |side: fn(&(f64, f64)) -> f64| mins.iter().map(side).reduce(f64::min);
    ratio(best(|m| m.1)?, best(|m| m.0)?).map(|r| r - 1.0)
}

/// Geometric mean of ratios, minus 1; `None` when there are none.
fn pooled_change(ratios: &[f64]) -> Option<f64> {
    if ratios.is_empty() {
        return None;
    }
    Some((ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp() - 1.0)
}

/// Per-seed comparison and the bootstrap for one point.
pub fn test_point(pk: &GateKey, seeds: &[(u64, &Row, &Row)], settings: &GateSettings) -> Tested {
    let mut keys = Vec::new();
    let mut pairs = Vec::new();
    let (mut mins, mut p95_ratios) = (Vec::new(), Vec::new());
    let mut samples = 0u64;
    let mut reasons = Vec::new();
    for &(seed, b, c) in seeds {
        let (tb, tc) = (steady(b), steady(c));
        let status_regression = b.status == Status::Ok && c.status != Status::Ok;
        let fidelity_regression =
            fidelity(b) == Some(FidelityStatus::Pass) && fidelity(c) == Some(FidelityStatus::Fail);
        if status_regression {
            reasons.push(format!("seed {seed}: status {} → {}", b.status, c.status));
        }
        if fidelity_regression {
            reasons.push(format!("seed {seed}: fidelity pass → fail"));
        }
        let mut key = KeyResult {
            seed,
            baseline_status: b.status.to_string(),
            current_status: c.status.to_string(),
            baseline_fidelity: fidelity(b).map(fidelity_name),
            current_fidelity: fidelity(c).map(fidelity_name),
            baseline_min: tb.map(|t| t.min),
            current_min: tc.map(|t| t.min),
            change_min: None,
            change_p95: None,
            p_slower: None,
            baseline_samples: tb.map_or(0, |t| samples_of(t).len() as u64),
            current_samples: tc.map_or(0, |t| samples_of(t).len() as u64),
            status_regression,
            fidelity_regression,
        };
        if let (Some(tb), Some(tc)) = (tb, tc) {
            let (sb, sc) = (samples_of(tb), samples_of(tc));
            samples += (sb.len() + sc.len()) as u64;
            pairs.push(Pair {
                baseline: sb,
                current: sc,
            });
            // An imported side may hold stand-ins for what its tool did not give, and a
            // median alone is no sample to rank (see `imported`).
            let both = |stat| imported::measured(b, stat) && imported::measured(c, stat);
            if let Some(r) = ratio(tc.min, tb.min).filter(|_| both("min")) {
                mins.push((tb.min, tc.min));
                key.change_min = Some(r - 1.0);
            }
            if let Some(r) = ratio(tc.p95, tb.p95).filter(|_| both("p95")) {
                p95_ratios.push(r);
                key.change_p95 = Some(r - 1.0);
            }
            let raw = imported::has_samples(tb) && imported::has_samples(tc);
            let imported_side = b.imported.is_some() || c.imported.is_some();
            if raw || !imported_side {
                key.p_slower = Some(mann_whitney_greater(sb, sc));
            }
        }
        keys.push(key);
    }
    let seed = settings.rng_seed ^ super::rng::fnv1a(&pk.name());
    let boot = bootstrap::hierarchical(&pairs, settings.resamples, seed);
    let processes = if boot.is_some() { pairs.len() } else { 0 };
    reasons.extend(imported::note(seeds, processes));
    let result = PointResult {
        name: pk.name(),
        probe: pk.probe.clone(),
        params: pk.params.clone(),
        backend: pk.backend.clone(),
        provider: pk.provider.clone(),
        platform: pk.platform.clone(),
        verdict: Verdict::Pass,
        severity: None,
        reasons,
        change_min: best_min_change(&mins),
        change_median: boot.map(|b| b.log_ratio.exp() - 1.0),
        change_median_ci: boot.map(|b| (b.ci.0.exp() - 1.0, b.ci.1.exp() - 1.0)),
        change_p95: pooled_change(&p95_ratios),
        p_slower: boot.map(|b| b.p_slower),
        q_slower: None,
        p_faster: boot.map(|b| b.p_faster),
        q_faster: None,
        processes,
        seeds: keys,
    };
    Tested {
        result,
        boot,
        samples,
    }
}

/// The severity class of a fractional slowdown.
pub fn severity(change: f64, s: &GateSettings) -> Severity {
    if change > s.severe {
        Severity::Severe
    } else if change >= s.moderate {
        Severity::Moderate
    } else if change >= s.minor {
        Severity::Minor
    } else {
        Severity::Slight
    }
}

/// `q = 3.1e-4`; values below what a double's normal tail resolves read `q < 1e-99`.
fn q_text(q: Option<f64>) -> String {
    match q {
        Some(q) if q < 1e-99 => "q < 1e-99".to_string(),
        Some(q) => format!("q = {q:.1e}"),
        None => "q = -".to_string(),
    }
}

/// Classifies a point once its q-values are known.
pub fn classify(p: &mut PointResult, s: &GateSettings) {
    let pct = |v: f64| format!("{:+.1} %", v * 100.0);
    let status_bad = p
        .seeds
        .iter()
        .any(|k| k.status_regression || k.fidelity_regression);
    let slower = p.q_slower.is_some_and(|q| q <= s.alpha);
    let faster = p.q_faster.is_some_and(|q| q <= s.alpha);
    let dmin = p.change_min.unwrap_or(0.0);
    let dmed = p.change_median.unwrap_or(0.0);
    let dp95 = p.change_p95.unwrap_or(0.0);
    // Both the fastest and the typical call must have moved past the threshold: on a shared
    // machine a process can land in a slower mode (other work on the machine or its host)
    // that moves only one of them, while a real change to the code moves both (see
    // reports/gate-calibration.md).
    if slower && dmin.min(dmed) > s.threshold {
        p.verdict = Verdict::Regression;
        p.severity = Some(severity(dmin, s));
        p.reasons.push(format!(
            "min {}, median {} (threshold {}), significant at {}",
            pct(dmin),
            pct(dmed),
            pct(s.threshold),
            q_text(p.q_slower)
        ));
    } else if status_bad {
        p.verdict = Verdict::Regression;
    } else if faster && dmin.max(dmed) < -s.threshold {
        p.verdict = Verdict::Improvement;
        p.reasons.push(format!(
            "min {}, median {}, significant at {}",
            pct(dmin),
            pct(dmed),
            q_text(p.q_faster)
        ));
    } else if slower && dp95 > s.p95_threshold {
        p.verdict = Verdict::Warning;
        p.reasons.push(format!(
            "p95 {} (loose threshold {}) while min and median are within threshold",
            pct(dp95),
            pct(s.p95_threshold)
        ));
    } else if p.processes == 0 {
        p.verdict = Verdict::Inconclusive;
        p.reasons
            .push("fewer than two seeds measured ok on both sides: timing not tested".into());
    }
    if status_bad {
        p.verdict = Verdict::Regression;
    }
}
