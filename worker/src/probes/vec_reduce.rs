//! `vec` reductions: `dot sum norm_l1 norm_l2 norm_linf`, and the catalogue slot of the
//! extremes (`max min argmax argmin`, in [`super::vec_extreme`]).
//!
//! This file owns each reduction's threshold, work, scalar loop (the sequential fold a user
//! writes) and its lane-parallel SIMD form ([`super::simd_fold::Fold`] with one accumulator per
//! lane, which also changes the summation order — the thresholds allow for both). It must not
//! hold the extremes' kernels.

use nbench_schema::Threshold;

use super::simd::{Isa, dispatch, max};
use super::simd_fold::{Combine, Fold};
use super::vec::{EXACT, OpSpec, VecProbe, arg, inputs, instance, op};
use crate::probe::{Instance, ProbeError, SetupCtx};

const UNIT: (f32, f32) = (-1.0, 1.0);
const EPS: f64 = f32::EPSILON as f64;

/// The reduction `vec` probes.
pub fn ops() -> Vec<VecProbe> {
    vec![
        op(
            "vec.dot",
            "inner product of two f32 vectors, accumulated in f32",
            dot,
        ),
        op("vec.sum", "sum of an f32 vector, accumulated in f32", sum),
    ]
    .into_iter()
    // The extremes keep their catalogue place between the sums and the norms.
    .chain(super::vec_extreme::ops())
    .chain([
        op("vec.norm_l1", "Σ|x_i| of an f32 vector", norm_l1),
        op("vec.norm_l2", "√Σx_i² of an f32 vector", norm_l2),
        op("vec.norm_linf", "max |x_i| of an f32 vector", norm_linf),
    ])
    .collect()
}

/// Signed sums: the worst-case bound of recursive summation is n·ε·Σ|t_i|; with random-sign
/// terms the error grows like ε·√n·|partial sums| ≈ ε·n/4, and Σ|t_i| ≈ n/4 already carries
/// the n, so 4·ε·Σ|t_i| (the bound / n) sits ~8σ above it.
fn signed_sum(abs_sum: f64) -> Threshold {
    Threshold {
        rtol: 1e-5,
        atol: 4.0 * EPS * abs_sum,
    }
}

/// Sums of n positive terms: worst case n·ε/2 relative, measured ≈ n·ε/1000 (as softmax's
/// denominator), so n·ε/100 keeps ~10× margin; 1e-5 covers small n.
fn positive_sum(n: usize) -> Threshold {
    Threshold {
        rtol: 1e-5 + n as f64 * EPS / 100.0,
        atol: 0.0,
    }
}

/// A one-input fold: the user's sequential loop for `scalar`, else [`Fold`] for `isa`.
pub(super) fn fold1(
    isa: Isa,
    a: &[f32],
    init: f32,
    combine: Combine,
    step: impl Fn(f32, f32) -> f32,
) -> f32 {
    if isa == Isa::Scalar {
        return a.iter().fold(init, |acc, &v| step(acc, v));
    }
    let step = |acc, v, _| step(acc, v);
    let mut body = Fold {
        a,
        b: &[],
        init,
        step,
        combine,
    };
    dispatch(isa, &mut body)
}

fn dot(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT, UNIT])?;
    let (a, b) = (arg(&x, 0), arg(&x, 1));
    let abs_sum: f64 = a
        .iter()
        .zip(b)
        .map(|(&u, &v)| (f64::from(u) * f64::from(v)).abs())
        .sum();
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        let (a, b) = (arg(x, 0), arg(x, 1));
        let s = if isa == Isa::Scalar {
            a.iter().zip(b).fold(0.0f32, |s, (&u, &v)| s + u * v)
        } else {
            let step = |s: f32, u: f32, v: f32| s + u * v;
            dispatch(
                isa,
                &mut Fold {
                    a,
                    b,
                    init: 0.0,
                    step,
                    combine: Combine::Sum,
                },
            )
        };
        f64::from(s)
    };
    let oracle = |x: &[Vec<f32>]| {
        let it = arg(x, 0).iter().zip(arg(x, 1));
        vec![it.map(|(&u, &v)| f64::from(u) * f64::from(v)).sum()]
    };
    Ok(instance(
        isa,
        x,
        OpSpec::fold(signed_sum(abs_sum), 2.0, 8.0),
        call,
        oracle,
    ))
}

fn sum(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let abs_sum: f64 = arg(&x, 0).iter().map(|&u| f64::from(u).abs()).sum();
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        f64::from(fold1(isa, arg(x, 0), 0.0, Combine::Sum, |s, v| s + v))
    };
    let oracle = |x: &[Vec<f32>]| vec![arg(x, 0).iter().map(|&u| f64::from(u)).sum()];
    Ok(instance(
        isa,
        x,
        OpSpec::fold(signed_sum(abs_sum), 1.0, 4.0),
        call,
        oracle,
    ))
}

fn norm_l1(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let n = arg(&x, 0).len();
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        let abs = |v: f32| f32::from_bits(v.to_bits() & 0x7FFF_FFFF);
        f64::from(fold1(isa, arg(x, 0), 0.0, Combine::Sum, |s, v| s + abs(v)))
    };
    let oracle = |x: &[Vec<f32>]| vec![arg(x, 0).iter().map(|&u| f64::from(u).abs()).sum()];
    Ok(instance(
        isa,
        x,
        OpSpec::fold(positive_sum(n), 2.0, 4.0),
        call,
        oracle,
    ))
}

fn norm_l2(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let n = arg(&x, 0).len();
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        f64::from(fold1(isa, arg(x, 0), 0.0, Combine::Sum, |s, v| s + v * v).sqrt())
    };
    let oracle = |x: &[Vec<f32>]| {
        let ss: f64 = arg(x, 0).iter().map(|&u| f64::from(u) * f64::from(u)).sum();
        vec![ss.sqrt()]
    };
    Ok(instance(
        isa,
        x,
        OpSpec::fold(positive_sum(n), 2.0, 4.0),
        call,
        oracle,
    ))
}

fn norm_linf(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        let abs = |v: f32| f32::from_bits(v.to_bits() & 0x7FFF_FFFF);
        f64::from(fold1(isa, arg(x, 0), 0.0, Combine::Max, |m, v| {
            max(m, abs(v))
        }))
    };
    let oracle = |x: &[Vec<f32>]| {
        vec![
            arg(x, 0)
                .iter()
                .map(|&u| f64::from(u).abs())
                .fold(0.0, f64::max),
        ]
    };
    Ok(instance(
        isa,
        x,
        OpSpec::fold(EXACT, 2.0, 4.0),
        call,
        oracle,
    ))
}
