//! `vec` extremes: `max min argmax argmin`, whose result is one of the inputs (or its index).
//!
//! This file owns those four probes (exact thresholds: no rounding is involved) and the
//! blocked lane-parallel arg-reduction [`ArgBest`]. `max`/`min` reuse the generic fold of
//! [`super::vec_reduce`]. Arg-reductions return the *first* index of the extreme value, like
//! NumPy and like the scalar loop; a NaN is skipped, as the scalar `>` skips it. This file must
//! not hold sums or norms.

use super::simd::{Body, Isa, dispatch, max, min};
use super::simd_fold::Combine;
use super::vec::{EXACT, OpSpec, VecProbe, arg, inputs, instance, op};
use super::vec_reduce::fold1;
use crate::probe::{Instance, ProbeError, SetupCtx};

const UNIT: (f32, f32) = (-1.0, 1.0);

/// The extreme-value `vec` probes.
pub fn ops() -> Vec<VecProbe> {
    vec![
        op(
            "vec.max",
            "largest element of an f32 vector",
            extreme::<false>,
        ),
        op(
            "vec.min",
            "smallest element of an f32 vector",
            extreme::<true>,
        ),
        op("vec.argmax", "index of the first largest element", argmax),
        op("vec.argmin", "index of the first smallest element", argmin),
    ]
}

/// `vec.max` (`MIN = false`) or `vec.min`: the user's `f32::max`/`min` fold for `scalar`, else
/// the lane-parallel fold.
fn extreme<const MIN: bool>(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| {
        let a = arg(x, 0);
        let worst = ArgBest::<MIN>::WORST;
        f64::from(match (isa, MIN) {
            (Isa::Scalar, false) => a.iter().copied().fold(worst, f32::max),
            (Isa::Scalar, true) => a.iter().copied().fold(worst, f32::min),
            (_, false) => fold1(isa, a, worst, Combine::Max, max),
            (_, true) => fold1(isa, a, worst, Combine::Min, min),
        })
    };
    let oracle = |x: &[Vec<f32>]| {
        let it = arg(x, 0).iter().map(|&u| f64::from(u));
        vec![if MIN {
            it.fold(f64::INFINITY, f64::min)
        } else {
            it.fold(f64::NEG_INFINITY, f64::max)
        }]
    };
    Ok(instance(
        isa,
        x,
        OpSpec::fold(EXACT, 1.0, 4.0),
        call,
        oracle,
    ))
}

/// Chunks of `L` lanes per block. A block costs one max (or min) per vector plus one
/// compare-and-blend per lane group; 16 chunks keep that second part at 1/16 of the first.
const BLOCK: usize = 16;

/// First-index arg-max (`MIN = false`) or arg-min (`MIN = true`), lane-parallel in blocks.
///
/// Each block is first reduced per lane with a plain max/min (no index work at all); only
/// then does each lane compare the block's value with its best so far and, on a strict
/// improvement, remember the *block* number. At the end the overall best value is known, and
/// each lane holding it rescans its one recorded block for the first position of that value.
/// Strict comparisons everywhere keep first occurrences, so the result equals the scalar
/// loop's bit for bit.
pub struct ArgBest<'a, const MIN: bool> {
    /// The input.
    pub a: &'a [f32],
}

impl<const MIN: bool> ArgBest<'_, MIN> {
    /// The start value every element beats unless it is the opposite infinity or NaN.
    const WORST: f32 = if MIN {
        f32::INFINITY
    } else {
        f32::NEG_INFINITY
    };

    /// Whether `v` is strictly better than `m` (false when `v` is NaN).
    #[inline(always)]
    fn beats(v: f32, m: f32) -> bool {
        if MIN { v < m } else { v > m }
    }

    /// The better of `v` and `m`, `m` on a tie or a NaN `v`: one `max`/`min` instruction.
    #[inline(always)]
    fn pick(v: f32, m: f32) -> f32 {
        if Self::beats(v, m) { v } else { m }
    }

    /// `(best value, its first index)` over `a` (length a multiple of `W`), `WORST` when no
    /// element beats it.
    #[inline(always)]
    fn scan<const W: usize>(a: &[f32]) -> (f32, usize) {
        let mut best = [Self::WORST; W];
        let mut block = [0u32; W];
        // Block numbers as u32 lanes keep the index vector as wide as the value vector; sizes
        // here are far below 2³² · W · BLOCK.
        for (b, blk) in a.chunks(W * BLOCK).enumerate() {
            let mut m = [Self::WORST; W];
            for c in blk.chunks_exact(W) {
                for i in 0..W {
                    m[i] = Self::pick(c[i], m[i]);
                }
            }
            for i in 0..W {
                if Self::beats(m[i], best[i]) {
                    best[i] = m[i];
                    block[i] = b as u32;
                }
            }
        }
        let bv = best.iter().fold(Self::WORST, |m, &v| Self::pick(v, m));
        if !Self::beats(bv, Self::WORST) {
            return (Self::WORST, 0);
        }
        let mut bi = usize::MAX;
        for i in 0..W {
            if best[i] == bv {
                let start = block[i] as usize * W * BLOCK;
                let blk = &a[start..a.len().min(start + W * BLOCK)];
                if let Some(c) = blk.chunks_exact(W).position(|c| c[i] == bv) {
                    bi = bi.min(start + c * W + i);
                }
            }
        }
        (bv, bi)
    }
}

impl<const MIN: bool> Body for ArgBest<'_, MIN> {
    type Out = usize;
    #[inline(always)]
    fn run<const L: usize>(&mut self) -> usize {
        let a = self.a;
        let n = a.len();
        let main = n - n % L;
        // The remainder one native vector (16 lanes) at a time, then one element; a later part
        // wins only by being strictly better, so ties keep the earlier index.
        let mid = main + (n - main) / 16 * 16;
        let (mut bv, mut bi) = Self::scan::<L>(&a[..main]);
        let (v, i) = Self::scan::<16>(&a[main..mid]);
        if Self::beats(v, bv) {
            (bv, bi) = (v, main + i);
        }
        for (i, &v) in a.iter().enumerate().skip(mid) {
            if Self::beats(v, bv) {
                (bv, bi) = (v, i);
            }
        }
        bi
    }
}

/// The first index of the extreme of `a`: the user's loop for `scalar`, else [`ArgBest`].
fn arg_best<const MIN: bool>(isa: Isa, a: &[f32]) -> f64 {
    let idx = if isa == Isa::Scalar {
        let mut bi = 0;
        let mut bv = ArgBest::<MIN>::WORST;
        for (i, &v) in a.iter().enumerate() {
            if ArgBest::<MIN>::beats(v, bv) {
                (bv, bi) = (v, i);
            }
        }
        bi
    } else {
        dispatch(isa, &mut ArgBest::<MIN> { a })
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
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| arg_best::<false>(isa, arg(x, 0));
    let oracle = |x: &[Vec<f32>]| arg_oracle(x, 1.0);
    Ok(instance(
        isa,
        x,
        OpSpec::fold(EXACT, 1.0, 4.0),
        call,
        oracle,
    ))
}

fn argmin(ctx: &mut SetupCtx, isa: Isa) -> Result<Instance, ProbeError> {
    let x = inputs(ctx, &[UNIT])?;
    let call = |isa, x: &[Vec<f32>], _: &mut [f32]| arg_best::<true>(isa, arg(x, 0));
    let oracle = |x: &[Vec<f32>]| arg_oracle(x, -1.0);
    Ok(instance(
        isa,
        x,
        OpSpec::fold(EXACT, 1.0, 4.0),
        call,
        oracle,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every instantiation against the scalar loop on inputs full of ties (8 distinct values),
    /// with a NaN and infinities, at sizes around every lane and block boundary.
    #[test]
    fn arg_best_matches_the_scalar_loop() {
        let mut s = 0x2545_f491_u32;
        let mut next = || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 29) as f32 - 3.5
        };
        let isas = [Isa::Sse2, Isa::Avx2, Isa::Avx512].into_iter();
        let isas: Vec<Isa> = isas.filter(|i| i.available()).collect();
        for n in [
            0,
            1,
            15,
            16,
            17,
            100,
            127,
            128,
            129,
            1000,
            2048,
            4 * 2048 + 37,
            20_000,
        ] {
            let mut a: Vec<f32> = (0..n).map(|_| next()).collect();
            if n % 2 == 1 {
                a[n / 3] = f32::NAN;
                a[n / 2] = f32::INFINITY;
                a[n / 5] = f32::NEG_INFINITY;
            }
            for &isa in &isas {
                let want = (
                    arg_best::<false>(Isa::Scalar, &a),
                    arg_best::<true>(Isa::Scalar, &a),
                );
                let got = (arg_best::<false>(isa, &a), arg_best::<true>(isa, &a));
                assert_eq!(got, want, "n={n} {isa:?}");
            }
        }
        for &isa in &isas {
            assert_eq!(arg_best::<false>(isa, &[f32::NAN; 300]), 0.0);
            assert_eq!(arg_best::<true>(isa, &[f32::INFINITY; 300]), 0.0);
        }
    }
}
