//! Branch-free f32 transcendental approximations that vectorise inside [`super::simd`] bodies.
//!
//! This module owns `exp`, `tanh` and the activations built on them, each a polynomial (for
//! `tanh`, a ratio of two) with select-only control flow so LLVM can map it onto any vector
//! width. It must not call libm (a libm call scalarises the loop) and must not use `mul_add`
//! (without FMA in the target it becomes a libm call too). Accuracy: `exp` ≤ 2 ulp on [-87, 88]; the others ≤ a few ulp
//! except where stated.

use super::simd::{max, min};

const LOG2E: f32 = std::f32::consts::LOG2_E;
// Cody–Waite split of ln 2: the high part has few bits so `n·LN2_HI` is exact.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
// 1.5·2²³: adding it rounds to an integer and leaves that integer in the low mantissa bits.
const MAGIC: f32 = 12_582_912.0;

/// `e^x`, clamped so the result stays finite (x ≤ 88.3) and normal (x ≥ -87.3).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = min(max(x, -87.3), 88.3);
    let t = x * LOG2E + MAGIC;
    let n = t - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    // Cephes expf minimax polynomial on |r| ≤ ln2/2.
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    // 2ⁿ built from n's bits: (n + 127) << 23, with n read from t's low mantissa bits.
    let scale = f32::from_bits(t.to_bits().wrapping_sub(0x4B40_0000 - 127) << 23);
    e * scale
}

/// Where f32 `tanh` has rounded to 1 (1 − tanh 9 ≈ 3·10⁻⁸ is below half an ulp of 1).
const TANH_CLAMP: f32 = 9.0;

/// `tanh x` as one rational function, `x·P(x²)/Q(x²)` on |x| ≤ 9: a handful of multiply-adds
/// and one division, no `exp` and no select between two forms. The coefficients are this
/// project's own relative-minimax fit on (0, 9] (`scripts/fit-tanh.py`, fit error 1.1·10⁻⁸),
/// replacing a polynomial-or-`exp` select that cost twice as much; evaluated in f32 the
/// worst relative error measured over 6·10⁶ points of [0, 9.5] is 3.2·10⁻⁷ (≈ 5 ulp, near
/// |x| = 6 where the result is just below 1). P(0) = Q(0) = 1, so tiny |x| returns x exactly.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    // `min(9, a)` rather than `min(a, 9)`: a NaN then stays NaN.
    let a = min(TANH_CLAMP, f32::from_bits(x.to_bits() & 0x7FFF_FFFF));
    let z = a * a;
    let mut p = -8.511_129e-14;
    p = p * z + 5.283_761_6e-11;
    p = p * z - 2.023_142_2e-8;
    p = p * z + 1.115_464e-5;
    p = p * z + 3.103_919_3e-3;
    p = p * z + 1.308_395_9e-1;
    p = p * z + 1.0;
    let mut q = 2.546_132e-4;
    q = q * z + 2.449_497e-2;
    q = q * z + 4.641_728_7e-1;
    q = q * z + 1.0;
    let t = a * p / q;
    f32::from_bits(t.to_bits() | (x.to_bits() & 0x8000_0000))
}

/// `1 / (1 + e^-x)`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `x · sigmoid(x)` (SiLU).
#[inline(always)]
pub fn swish(x: f32) -> f32 {
    x / (1.0 + exp(-x))
}

/// √(2/π), the GELU tanh-form constant.
pub const GELU_K: f32 = 0.797_884_6;
/// The cubic coefficient of the GELU tanh form.
pub const GELU_C: f32 = 0.044_715;

/// GELU in its tanh form (PyTorch `approximate="tanh"`): `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + tanh(GELU_K * (x + GELU_C * x * x * x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worst_rel(f: fn(f32) -> f32, g: fn(f64) -> f64, lo: f32, hi: f32) -> f64 {
        (0..=20_000)
            .map(|i| lo + (hi - lo) * i as f32 / 20_000.0)
            .map(|x| {
                let r = g(f64::from(x));
                (f64::from(f(x)) - r).abs() / r.abs().max(1e-30)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn approximations_are_within_a_few_ulp() {
        assert!(worst_rel(exp, f64::exp, -87.0, 88.0) < 4e-7);
        assert!(worst_rel(tanh, f64::tanh, -9.0, 9.0) < 4e-7);
        assert!(worst_rel(sigmoid, |x| 1.0 / (1.0 + (-x).exp()), -20.0, 20.0) < 6e-7);
    }
}
