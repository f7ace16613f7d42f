//! The fidelity gate: one call's output against the reference (docs/architecture.md, "Measurement").
//!
//! This module owns the comparison arithmetic and the pass rule (`rel_to_tol ≤ 1` and every
//! output finite). It does not decide the row's status or message; the attempt does.

use nbench_schema::{Fidelity, FidelityStatus, Oracle, Threshold};

/// Compares `out` with `reference` elementwise under `threshold`.
///
/// A length mismatch or any non-finite value fails with `rel_to_tol` absent. A zero tolerance
/// (exact oracles) scores an exact match 0 and any difference as infinitely far.
pub fn compare(
    out: &[f64],
    reference: &[f64],
    threshold: Threshold,
    oracle_kind: &str,
) -> Fidelity {
    let mut worst = 0.0f64;
    let mut max_abs = 0.0f64;
    let mut max_rel = 0.0f64;
    let mut mismatched = out.len().abs_diff(reference.len()) as u64;
    let mut all_finite = out.len() == reference.len();
    for (&o, &r) in out.iter().zip(reference) {
        if !o.is_finite() || !r.is_finite() {
            all_finite = false;
            mismatched += 1;
            continue;
        }
        let diff = (o - r).abs();
        let tol = threshold.atol + threshold.rtol * r.abs();
        let ratio = if tol > 0.0 {
            diff / tol
        } else if diff == 0.0 {
            0.0
        } else {
            f64::INFINITY
        };
        if diff > tol {
            mismatched += 1;
        }
        worst = worst.max(ratio);
        max_abs = max_abs.max(diff);
        if r != 0.0 {
            max_rel = max_rel.max(diff / r.abs());
        }
    }
    let rel_to_tol = (all_finite && worst.is_finite()).then_some(worst);
    let pass = rel_to_tol.is_some_and(|x| x <= 1.0);
    Fidelity {
        status: if pass {
            FidelityStatus::Pass
        } else {
            FidelityStatus::Fail
        },
        rel_to_tol,
        max_abs,
        max_rel,
        n_mismatched: mismatched,
        n_compared: Some(out.len().min(reference.len()) as u64),
        oracle: Oracle {
            kind: oracle_kind.to_string(),
        },
        threshold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Threshold = Threshold {
        rtol: 1e-3,
        atol: 1e-6,
    };

    #[test]
    fn within_tolerance_passes() {
        let f = compare(&[1.0005, 0.0], &[1.0, 0.0], T, "f64_reference");
        assert_eq!(f.status, FidelityStatus::Pass);
        let r = f.rel_to_tol.expect("finite");
        assert!((r - 0.0005 / (1e-6 + 1e-3)).abs() < 1e-9, "{r}");
        assert_eq!((f.n_mismatched, f.n_compared), (0, Some(2)));
        assert!((f.max_rel - 0.0005).abs() < 1e-12);
    }

    #[test]
    fn outside_tolerance_fails_and_counts() {
        let f = compare(&[1.01, 2.0, 3.1], &[1.0, 2.0, 3.0], T, "f64_reference");
        assert_eq!(f.status, FidelityStatus::Fail);
        assert!(f.rel_to_tol.is_some_and(|r| r > 1.0));
        assert_eq!(f.n_mismatched, 2);
        assert!((f.max_abs - 0.1).abs() < 1e-9);
    }

    #[test]
    fn nan_fails_without_rel_to_tol() {
        let f = compare(&[f64::NAN, 1.0], &[1.0, 1.0], T, "f64_reference");
        assert_eq!(f.status, FidelityStatus::Fail);
        assert_eq!(f.rel_to_tol, None);
        assert_eq!(f.n_mismatched, 1);
    }

    #[test]
    fn exact_threshold_needs_bit_equality() {
        let exact = Threshold {
            rtol: 0.0,
            atol: 0.0,
        };
        assert_eq!(
            compare(&[7.0], &[7.0], exact, "exact").status,
            FidelityStatus::Pass
        );
        let f = compare(&[7.0], &[8.0], exact, "exact");
        assert_eq!((f.status, f.rel_to_tol), (FidelityStatus::Fail, None));
    }

    #[test]
    fn length_mismatch_fails() {
        let f = compare(&[1.0], &[1.0, 2.0], T, "f64_reference");
        assert_eq!((f.status, f.n_mismatched), (FidelityStatus::Fail, 1));
    }
}
