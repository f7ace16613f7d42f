//! `vec` activations: `relu sigmoid tanh gelu swish exp softmax log_softmax`.
//!
//! This file owns each activation's threshold, work, scalar loop (with libm's `exp`/`tanh`, as
//! a user writes it) and SIMD form (the polynomial approximations of [`super::vmath`]). GELU is
//! the tanh form (PyTorch `approximate="tanh"`), and its oracle is that formula in f64.

use nbench_schema::Threshold;

use super::simd::{Isa, dispatch, max};
use super::simd_fold::{Combine, Fold, MapFold};
use super::simd_map::MapInPlace;
use super::vec::{EXACT, OpSpec, VecProbe, arg, inputs, instance, map1, op};
use super::vmath;
use crate::probe::{Instance, ProbeError, SetupCtx};

const UNIT: (f32, f32) = (-1.0, 1.0);
const EPS: f64 = f32::EPSILON as f64;

// libm and the polynomials are within a few ulp, composed with ≤ 4 roundings: < 1e-6 relative;
// 1e-5 leaves 10× margin, atol guards outputs that cross 0 (tanh, gelu, swish near x = 0).
const TRANSCENDENTAL: Threshold = Threshold {
    rtol: 1e-5,
    atol: 1e-7,
};

/// The activation `vec` probes.
pub fn ops() -> Vec<VecProbe> {
    vec![
        op("vec.relu", "element-wise max(x, 0)", relu),
        op("vec.sigmoid", "element-wise 1 / (1 + e^-x)", sigmoid),
        op("vec.tanh", "element-wise tanh x", tanh),
        op("vec.gelu", "element-wise GELU, tanh form", gelu),
        op("vec.swish", "element-wise x · sigmoid(x) (SiLU)", swish),
        op("vec.exp", "element-wise e^x", exp),
        op(
            "vec.softmax",
            "numerically stable softmax of an f32 vector",
            softmax,
        ),
        op(
            "vec.log_softmax",
            "numerically stable log-softmax of an f32 vector",
            log_softmax,
        ),
    ]
}

fn each(x: &[Vec<f32>], f: impl Fn(f64) -> f64) -> Vec<f64> {
    arg(x, 0).iter().map(|&a| f(f64::from(a))).collect()
}

fn relu(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call =
        |isa, x: &[Vec<f32>], out: &mut [f32]| map1(isa, x, out, |a| a.max(0.0), |a| max(a, 0.0));
    let oracle = |x: &[Vec<f32>]| each(x, |a| a.max(0.0));
    Ok(instance(isa, x, OpSpec::map(EXACT, 1.0, 8.0), call, oracle))
}

fn sigmoid(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| {
        map1(isa, x, out, |a| 1.0 / (1.0 + (-a).exp()), vmath::sigmoid)
    };
    let oracle = |x: &[Vec<f32>]| each(x, |a| 1.0 / (1.0 + (-a).exp()));
    Ok(instance(
        isa,
        x,
        OpSpec::map(TRANSCENDENTAL, 4.0, 8.0),
        call,
        oracle,
    ))
}

fn tanh(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map1(isa, x, out, f32::tanh, vmath::tanh);
    let oracle = |x: &[Vec<f32>]| each(x, f64::tanh);
    Ok(instance(
        isa,
        x,
        OpSpec::map(TRANSCENDENTAL, 1.0, 8.0),
        call,
        oracle,
    ))
}

fn gelu(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map1(isa, x, out, gelu_scalar, vmath::gelu);
    let oracle = |x: &[Vec<f32>]| {
        let (k, c) = ((2.0 / std::f64::consts::PI).sqrt(), 0.044_715);
        each(x, |a| 0.5 * a * (1.0 + (k * (a + c * a * a * a)).tanh()))
    };
    Ok(instance(
        isa,
        x,
        OpSpec::map(TRANSCENDENTAL, 8.0, 8.0),
        call,
        oracle,
    ))
}

/// GELU as a user writes it, with libm's `tanh`.
fn gelu_scalar(a: f32) -> f32 {
    0.5 * a * (1.0 + (vmath::GELU_K * (a + vmath::GELU_C * a * a * a)).tanh())
}

fn swish(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| {
        map1(isa, x, out, |a| a / (1.0 + (-a).exp()), vmath::swish)
    };
    let oracle = |x: &[Vec<f32>]| each(x, |a| a / (1.0 + (-a).exp()));
    Ok(instance(
        isa,
        x,
        OpSpec::map(TRANSCENDENTAL, 4.0, 8.0),
        call,
        oracle,
    ))
}

fn exp(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map1(isa, x, out, f32::exp, vmath::exp);
    let oracle = |x: &[Vec<f32>]| each(x, f64::exp);
    Ok(instance(
        isa,
        x,
        OpSpec::map(TRANSCENDENTAL, 1.0, 8.0),
        call,
        oracle,
    ))
}

/// `out_i = e^(x_i − max x)`; returns `(max, Σ out_i)`.
fn shifted_exp(isa: Isa, a: &[f32], out: &mut [f32]) -> (f32, f32) {
    if isa == Isa::Scalar {
        let m = a.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut s = 0.0f32;
        for (y, &v) in out.iter_mut().zip(a) {
            *y = (v - m).exp();
            s += *y;
        }
        return (m, s);
    }
    let step = |m, v, _| max(m, v);
    let mut fold = Fold {
        a,
        b: &[],
        init: f32::NEG_INFINITY,
        step,
        combine: Combine::Max,
    };
    let m = dispatch(isa, &mut fold);
    let s = dispatch(
        isa,
        &mut MapFold {
            a,
            out,
            f: |v| vmath::exp(v - m),
        },
    );
    (m, s)
}

/// The f64 softmax pieces: `(x_i − max)` and `ln Σ e^(x_i − max)`.
fn shifted_f64(x: &[Vec<f32>]) -> (Vec<f64>, f64) {
    let x = super::vec::widen(arg(x, 0));
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let d: Vec<f64> = x.iter().map(|v| v - m).collect();
    let lse = d.iter().map(|v| v.exp()).sum::<f64>().ln();
    (d, lse)
}

fn softmax(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let n = arg(&x, 0).len() as f64;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| {
        let (_, s) = shifted_exp(isa, arg(x, 0), out);
        if isa == Isa::Scalar {
            for y in out.iter_mut() {
                *y /= s;
            }
        } else {
            // One reciprocal and a multiply per element: one more rounding than dividing.
            let inv = 1.0 / s;
            dispatch(
                isa,
                &mut MapInPlace {
                    out,
                    f: |y| y * inv,
                },
            );
        }
        0.0
    };
    let oracle = |x: &[Vec<f32>]| {
        let (d, lse) = shifted_f64(x);
        d.iter().map(|v| (v - lse).exp()).collect()
    };
    // Every output shares the relative error of the f32 sum of n positive terms: worst case
    // n·ε/2, measured ≈ n·ε/1000 at n = 1e4…1e6 (seeds 0–3), so n·ε/100 keeps ~10× margin;
    // 1e-5 covers exp's few-ulp error at small n. Outputs are ≥ e⁻²/n > 0, so atol only
    // guards a zero reference.
    let threshold = Threshold {
        rtol: 1e-5 + n * EPS / 100.0,
        atol: 1e-12,
    };
    Ok(instance(
        isa,
        x,
        OpSpec::map(threshold, 4.0, 8.0),
        call,
        oracle,
    ))
}

fn log_softmax(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let n = arg(&x, 0).len() as f64;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| {
        let a = arg(x, 0);
        let (m, s) = shifted_exp(isa, a, out);
        // One libm `ln` per call; the per-element work is a subtraction.
        let shift = m + s.ln();
        if isa == Isa::Scalar {
            for (y, &v) in out.iter_mut().zip(a) {
                *y = v - shift;
            }
        } else {
            let body = &mut super::simd_map::Map1 {
                a,
                out,
                f: |v| v - shift,
            };
            dispatch(isa, body);
        }
        0.0
    };
    let oracle = |x: &[Vec<f32>]| {
        let (d, lse) = shifted_f64(x);
        d.iter().map(|v| v - lse).collect()
    };
    // Outputs are x_i − max − ln Σ: the sum's relative error (as softmax, ≤ n·ε/100) becomes an
    // absolute error of ln Σ, plus the f32 rounding of values up to ln n ≈ 14 (rtol).
    let threshold = Threshold {
        rtol: 1e-6,
        atol: 1e-5 + n * EPS / 100.0,
    };
    Ok(instance(
        isa,
        x,
        OpSpec::map(threshold, 4.0, 8.0),
        call,
        oracle,
    ))
}
