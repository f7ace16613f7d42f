//! `vec` element-wise ops: `copy` (the bandwidth roofline), `add sub mul div scale abs clamp
//! lerp fma`.
//!
//! This file owns each op's inputs, threshold, declared work, scalar loop and SIMD element
//! function; the SIMD instantiation itself is [`super::simd`]'s. Inputs are uniform in
//! [-1, 1) except divisors, drawn from [0.5, 1.5) so no quotient overflows.

use nbench_schema::Threshold;

use super::simd::{Isa, max, min};
use super::vec::{EXACT, OpSpec, VecProbe, arg, inputs, instance, map1, map2, map3, op};
use crate::probe::{Instance, ProbeError, SetupCtx};

const UNIT: (f32, f32) = (-1.0, 1.0);
/// The constant of `vec.scale`.
const ALPHA: f32 = 1.5;
/// The weight of `vec.lerp`.
const T: f32 = 0.25;
/// The bounds of `vec.clamp`.
const LO: f32 = -0.5;
const HI: f32 = 0.5;

// One correctly rounded f32 op: relative error ≤ 2⁻²⁴ ≈ 6e-8; atol covers cancellation to ~0,
// where the rounded result is exact but tiny refs are noisy.
const ONE_ROUNDING: Threshold = Threshold {
    rtol: 1e-6,
    atol: 1e-7,
};
// Two or three roundings on terms up to 1 in size: absolute error ≤ 3·2⁻²⁴ near cancellation.
const FEW_ROUNDINGS: Threshold = Threshold {
    rtol: 1e-6,
    atol: 4e-7,
};

/// The element-wise `vec` probes.
pub fn ops() -> Vec<VecProbe> {
    vec![
        op(
            "vec.copy",
            "copy of an f32 vector, the memory-bandwidth roofline",
            copy,
        ),
        op(
            "vec.add",
            "element-wise sum c = a + b of two f32 vectors",
            add,
        ),
        op(
            "vec.sub",
            "element-wise difference c = a − b of two f32 vectors",
            sub,
        ),
        op(
            "vec.mul",
            "element-wise product c = a · b of two f32 vectors",
            mul,
        ),
        op(
            "vec.div",
            "element-wise quotient c = a / b, b in [0.5, 1.5)",
            div,
        ),
        op("vec.scale", "y = 1.5 · x on an f32 vector", scale),
        op("vec.abs", "element-wise |x| of an f32 vector", abs),
        op("vec.clamp", "element-wise clamp of x to [-0.5, 0.5]", clamp),
        op("vec.lerp", "c = a + 0.25 · (b − a), element-wise", lerp),
        op(
            "vec.fma",
            "d = a · b + c, element-wise (fused where the isa has fma)",
            fma,
        ),
    ]
}

fn copy(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map1(isa, x, out, |a| a, |a| a);
    let oracle = |x: &[Vec<f32>]| super::vec::widen(arg(x, 0));
    Ok(instance(isa, x, OpSpec::map(EXACT, 0.0, 8.0), call, oracle))
}

/// The f64 reference of a two-input op.
fn zip2(x: &[Vec<f32>], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    let it = arg(x, 0).iter().zip(arg(x, 1));
    it.map(|(&a, &b)| f(f64::from(a), f64::from(b))).collect()
}

fn add(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT, UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map2(isa, x, out, |a, b| a + b);
    let oracle = |x: &[Vec<f32>]| zip2(x, |a, b| a + b);
    Ok(instance(
        isa,
        x,
        OpSpec::map(ONE_ROUNDING, 1.0, 12.0),
        call,
        oracle,
    ))
}

fn sub(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT, UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map2(isa, x, out, |a, b| a - b);
    let oracle = |x: &[Vec<f32>]| zip2(x, |a, b| a - b);
    Ok(instance(
        isa,
        x,
        OpSpec::map(ONE_ROUNDING, 1.0, 12.0),
        call,
        oracle,
    ))
}

fn mul(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT, UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map2(isa, x, out, |a, b| a * b);
    let oracle = |x: &[Vec<f32>]| zip2(x, |a, b| a * b);
    Ok(instance(
        isa,
        x,
        OpSpec::map(ONE_ROUNDING, 1.0, 12.0),
        call,
        oracle,
    ))
}

fn div(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT, (0.5, 1.5)])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map2(isa, x, out, |a, b| a / b);
    let oracle = |x: &[Vec<f32>]| zip2(x, |a, b| a / b);
    Ok(instance(
        isa,
        x,
        OpSpec::map(ONE_ROUNDING, 1.0, 12.0),
        call,
        oracle,
    ))
}

/// The f64 reference of a one-input op.
fn each(x: &[Vec<f32>], f: impl Fn(f64) -> f64) -> Vec<f64> {
    arg(x, 0).iter().map(|&a| f(f64::from(a))).collect()
}

fn scale(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call =
        |isa, x: &[Vec<f32>], out: &mut [f32]| map1(isa, x, out, |a| ALPHA * a, |a| ALPHA * a);
    let oracle = |x: &[Vec<f32>]| each(x, |a| f64::from(ALPHA) * a);
    Ok(instance(
        isa,
        x,
        OpSpec::map(ONE_ROUNDING, 1.0, 8.0),
        call,
        oracle,
    ))
}

fn abs(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    // The SIMD form clears the sign bit, which is what `abs` compiles to anyway.
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| {
        map1(isa, x, out, f32::abs, |a| {
            f32::from_bits(a.to_bits() & 0x7FFF_FFFF)
        })
    };
    let oracle = |x: &[Vec<f32>]| each(x, f64::abs);
    Ok(instance(isa, x, OpSpec::map(EXACT, 1.0, 8.0), call, oracle))
}

fn clamp(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| {
        map1(isa, x, out, |a| a.clamp(LO, HI), |a| min(max(a, LO), HI))
    };
    let oracle = |x: &[Vec<f32>]| each(x, |a| a.clamp(f64::from(LO), f64::from(HI)));
    Ok(instance(isa, x, OpSpec::map(EXACT, 2.0, 8.0), call, oracle))
}

fn lerp(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT, UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| map2(isa, x, out, |a, b| a + T * (b - a));
    let oracle = |x: &[Vec<f32>]| zip2(x, |a, b| a + f64::from(T) * (b - a));
    Ok(instance(
        isa,
        x,
        OpSpec::map(FEW_ROUNDINGS, 3.0, 12.0),
        call,
        oracle,
    ))
}

fn fma(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT, UNIT, UNIT])?;
    let call = |isa, x: &[Vec<f32>], out: &mut [f32]| match isa {
        // `mul_add` is one instruction only with FMA; on the user's loop and SSE2 it would be
        // a libm call, so those compute the unfused a·b + c.
        Isa::Avx2 | Isa::Avx512 => map3(isa, x, out, f32::mul_add),
        Isa::Scalar | Isa::Sse2 => map3(isa, x, out, |a, b, c| a * b + c),
    };
    let oracle = |x: &[Vec<f32>]| {
        let it = arg(x, 0).iter().zip(arg(x, 1)).zip(arg(x, 2));
        it.map(|((&a, &b), &c)| f64::from(a) * f64::from(b) + f64::from(c))
            .collect()
    };
    Ok(instance(
        isa,
        x,
        OpSpec::map(FEW_ROUNDINGS, 2.0, 16.0),
        call,
        oracle,
    ))
}
