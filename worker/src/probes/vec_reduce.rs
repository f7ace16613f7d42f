//! `vec` reductions: `dot sum max min argmax argmin norm_l1 norm_l2 norm_linf`.
//!
//! This file owns each reduction's threshold, work, scalar loop (the sequential fold a user
//! writes) and its lane-parallel SIMD form ([`super::simd::Fold`] with one accumulator per lane,
//! which also changes the summation order — the thresholds allow for both). Arg-reductions
//! return the *first* index of the extreme value, like NumPy.

use nbench_schema::Threshold;

use super::simd::{Body, Combine, Fold, Isa, dispatch, max, min};
use super::vec::{EXACT, OpSpec, VecProbe, arg, inputs, instance};
use crate::probe::{Instance, ProbeError, SetupCtx};

const UNIT: (f32, f32) = (-1.0, 1.0);
const EPS: f64 = f32::EPSILON as f64;

/// The reduction `vec` probes.
pub fn ops() -> Vec<VecProbe> {
    let op = |name, description, build| VecProbe {
        name,
        description,
        build,
    };
    vec![
        op(
            "vec.dot",
            "inner product of two f32 vectors, accumulated in f32",
            dot,
        ),
        op("vec.sum", "sum of an f32 vector, accumulated in f32", sum),
        op("vec.max", "largest element of an f32 vector", vmax),
        op("vec.min", "smallest element of an f32 vector", vmin),
        op("vec.argmax", "index of the first largest element", argmax),
        op("vec.argmin", "index of the first smallest element", argmin),
        op("vec.norm_l1", "Σ|x_i| of an f32 vector", norm_l1),
        op("vec.norm_l2", "√Σx_i² of an f32 vector", norm_l2),
        op("vec.norm_linf", "max |x_i| of an f32 vector", norm_linf),
    ]
}

fn spec(threshold: Threshold, flops: f64, bytes: f64) -> OpSpec {
    OpSpec {
        threshold,
        oracle_kind: if threshold == EXACT {
            "exact"
        } else {
            "f64_reference"
        },
        flops,
        bytes,
        reduces: true,
    }
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

fn fold1(isa: Isa, a: &[f32], init: f32, combine: Combine, step: impl Fn(f32, f32) -> f32) -> f32 {
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
        spec(signed_sum(abs_sum), 2.0, 8.0),
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
        spec(signed_sum(abs_sum), 1.0, 4.0),
        call,
        oracle,
    ))
}

fn vmax(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        let a = arg(x, 0);
        f64::from(if isa == Isa::Scalar {
            a.iter().copied().fold(f32::NEG_INFINITY, f32::max)
        } else {
            fold1(isa, a, f32::NEG_INFINITY, Combine::Max, max)
        })
    };
    let oracle = |x: &[Vec<f32>]| {
        vec![
            arg(x, 0)
                .iter()
                .map(|&u| f64::from(u))
                .fold(f64::NEG_INFINITY, f64::max),
        ]
    };
    Ok(instance(isa, x, spec(EXACT, 1.0, 4.0), call, oracle))
}

fn vmin(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        let a = arg(x, 0);
        f64::from(if isa == Isa::Scalar {
            a.iter().copied().fold(f32::INFINITY, f32::min)
        } else {
            fold1(isa, a, f32::INFINITY, Combine::Min, min)
        })
    };
    let oracle = |x: &[Vec<f32>]| {
        vec![
            arg(x, 0)
                .iter()
                .map(|&u| f64::from(u))
                .fold(f64::INFINITY, f64::min),
        ]
    };
    Ok(instance(isa, x, spec(EXACT, 1.0, 4.0), call, oracle))
}

/// Lane-parallel first-index arg-max of `sign · a` (sign −1 makes it arg-min; negation is exact).
struct ArgBest<'a> {
    a: &'a [f32],
    sign: f32,
}

impl Body for ArgBest<'_> {
    type Out = usize;
    #[inline(always)]
    fn run<const L: usize>(&mut self) -> usize {
        let mut best = [f32::NEG_INFINITY; L];
        let mut chunk = [0u32; L];
        let main = self.a.len() - self.a.len() % L;
        // Chunk numbers as u32 lanes keep the index vector as wide as the value vector; sizes
        // here are far below 2³² · L.
        for (c, vals) in self.a[..main].chunks_exact(L).enumerate() {
            for i in 0..L {
                let v = self.sign * vals[i];
                // Strict `>`: each lane keeps its first occurrence.
                if v > best[i] {
                    best[i] = v;
                    chunk[i] = c as u32;
                }
            }
        }
        let (mut bv, mut bi) = (f32::NEG_INFINITY, usize::MAX);
        for i in 0..L {
            let idx = chunk[i] as usize * L + i;
            if best[i] > bv || (best[i] == bv && idx < bi) {
                (bv, bi) = (best[i], idx);
            }
        }
        for (i, &v) in self.a.iter().enumerate().skip(main) {
            if self.sign * v > bv {
                (bv, bi) = (self.sign * v, i);
            }
        }
        if bi == usize::MAX { 0 } else { bi }
    }
}

fn arg_best(isa: Isa, a: &[f32], sign: f32) -> f64 {
    let idx = if isa == Isa::Scalar {
        let mut bi = 0;
        let mut bv = f32::NEG_INFINITY;
        for (i, &v) in a.iter().enumerate() {
            if sign * v > bv {
                (bv, bi) = (sign * v, i);
            }
        }
        bi
    } else {
        dispatch(isa, &mut ArgBest { a, sign })
    };
    idx as f64
}

fn arg_oracle(x: &[Vec<f32>], sign: f64) -> Vec<f64> {
    let mut bi = 0;
    let mut bv = f64::NEG_INFINITY;
    for (i, &v) in arg(x, 0).iter().enumerate() {
        if sign * f64::from(v) > bv {
            (bv, bi) = (sign * f64::from(v), i);
        }
    }
    vec![bi as f64]
}

fn argmax(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| arg_best(isa, arg(x, 0), 1.0);
    let oracle = |x: &[Vec<f32>]| arg_oracle(x, 1.0);
    Ok(instance(isa, x, spec(EXACT, 1.0, 4.0), call, oracle))
}

fn argmin(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| arg_best(isa, arg(x, 0), -1.0);
    let oracle = |x: &[Vec<f32>]| arg_oracle(x, -1.0);
    Ok(instance(isa, x, spec(EXACT, 1.0, 4.0), call, oracle))
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
        spec(positive_sum(n), 2.0, 4.0),
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
        spec(positive_sum(n), 2.0, 4.0),
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
    Ok(instance(isa, x, spec(EXACT, 2.0, 4.0), call, oracle))
}
