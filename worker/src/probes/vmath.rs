//! Branch-free f32 transcendental approximations that vectorise inside [`super::simd`] bodies.
//!
//! This module owns `exp`, `tanh` and the activations built on them, each a polynomial with
//! select-only control flow so LLVM can map it onto any vector width. It must not call libm
//! (a libm call scalarises the loop) and must not use `mul_add` (without FMA in the target it
//! becomes a libm call too). Accuracy: `exp` ≤ 2 ulp on [-87, 88]; the others ≤ a few ulp
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

/// `tanh x`: an odd polynomial below |x| = 0.625 (where `1 − 2/(e²ˣ+1)` would cancel), the
/// exponential form above; both are computed and one selected, so there is no branch.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = f32::from_bits(x.to_bits() & 0x7FFF_FFFF);
    let z = a * a;
    // Cephes tanhf polynomial for |x| < 0.625.
    let mut p = -5.704_988_7e-3;
    p = p * z + 2.063_909e-2;
    p = p * z - 5.373_971_6e-2;
    p = p * z + 1.333_144_2e-1;
    p = p * z - 3.333_328e-1;
    let small = p * z * a + a;
    let e = exp(-2.0 * a);
    let large = (1.0 - e) / (1.0 + e);
    let t = if a < 0.625 { small } else { large };
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
