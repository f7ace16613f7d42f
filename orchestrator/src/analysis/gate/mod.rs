//! The regression gate behind `nbench compare` and `nbench ab`: match rows, test each point
//! pooled over its seeds (process as the unit, [`bootstrap`]), correct across the points of one
//! comparison (Benjamini–Hochberg), classify, and return a [`Comparison`] document. Everything
//! the renderers show is computed here; this module reads no files and prints nothing.
//! The statistics are explained in `docs/compare.md`.

pub mod bootstrap;
pub mod doc;
pub mod imported;
pub mod keys;
pub mod point;
pub mod rng;
pub mod settings;
pub mod stats;

use nbench_schema::Row;

pub use doc::{Comparison, KeyResult, PointResult, Severity, Tally, Unmatched, Verdict};
pub use settings::{GateFile, GateSettings};

use crate::error::Result;

/// Compares `current` against `baseline` under `settings`. `baseline_label` and
/// `current_label` only name the sides in the output. Fails (bad input) when a side holds two
/// rows for one key.
pub fn compare(
    baseline: &[Row],
    current: &[Row],
    settings: &GateSettings,
    baseline_label: &str,
    current_label: &str,
) -> Result<Comparison> {
    let m = keys::match_rows(baseline, current)?;
    if !settings.allow_cross_host {
        keys::same_hosts(&m)?;
    }
    let mut tested: Vec<point::Tested> = m
        .points
        .iter()
        .map(|(pk, seeds)| {
            let seeds: Vec<_> = seeds.iter().map(|(s, (b, c))| (*s, *b, *c)).collect();
            point::test_point(pk, &seeds, settings)
        })
        .collect();

    let p_slow: Vec<f64> = tested
        .iter()
        .map(|t| t.boot.map_or(f64::NAN, |b| b.p_slower))
        .collect();
    let p_fast: Vec<f64> = tested
        .iter()
        .map(|t| t.boot.map_or(f64::NAN, |b| b.p_faster))
        .collect();
    let (q_slow, q_fast) = (stats::bh_adjust(&p_slow), stats::bh_adjust(&p_fast));
    for (i, t) in tested.iter_mut().enumerate() {
        t.result.q_slower = (!q_slow[i].is_nan()).then_some(q_slow[i]);
        t.result.q_faster = (!q_fast[i].is_nan()).then_some(q_fast[i]);
        point::classify(&mut t.result, settings);
    }

    let samples = tested.iter().map(|t| t.samples).sum();
    let points: Vec<PointResult> = tested.into_iter().map(|t| t.result).collect();
    let count = |v: Verdict| points.iter().filter(|p| p.verdict == v).count();
    let regressions = count(Verdict::Regression);
    let tally = Tally {
        verdict: if regressions > 0 {
            "regression"
        } else {
            "pass"
        }
        .into(),
        points: points.len(),
        matched_keys: points.iter().map(|p| p.seeds.len()).sum(),
        regressions,
        status_regressions: points
            .iter()
            .filter(|p| {
                p.seeds
                    .iter()
                    .any(|k| k.status_regression || k.fidelity_regression)
            })
            .count(),
        improvements: count(Verdict::Improvement),
        warnings: count(Verdict::Warning),
        inconclusive: count(Verdict::Inconclusive),
        unmatched: m.unmatched.len(),
        expected_false_alarm_rate: settings.alpha,
        samples,
    };
    Ok(Comparison {
        baseline: baseline_label.to_string(),
        current: current_label.to_string(),
        settings: settings.clone(),
        tally,
        points,
        unmatched: m.unmatched,
    })
}
