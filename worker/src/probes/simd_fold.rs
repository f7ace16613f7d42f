//! Lane-parallel reductions as [`Body`]s: `L` independent accumulators, combined at the end.
//!
//! This module owns the fold loops (`Fold`, `MapFold`) and the final lane combine. Every index
//! into the main loop's accumulator must be a compile-time constant once loops over `L` are
//! unrolled: one data-dependent index (a remainder written to `acc[i - main]`, the combine's
//! halving loop) pins the whole array to the stack, and then every step of the main loop stores
//! it, or stores and reloads it (seen with `perf annotate` on avx512 and avx2 vec.dot/vec.sum).
//! Hence the fixed 16-lane remainder and the combine on a copy.
//! It must not hold an op's step function or threshold.

use super::simd::{Body, max, min};

/// How the lanes of an accumulator are combined at the end.
#[derive(Clone, Copy)]
pub enum Combine {
    /// Pairwise sum (halving), so the lane combine adds no sequential error.
    Sum,
    /// Maximum.
    Max,
    /// Minimum.
    Min,
}

/// The lanes of one native vector at the widest instantiation; `L` is always a multiple.
const W: usize = 16;

impl Combine {
    /// Folds `acc` into one value, halving in place.
    #[inline(always)]
    pub fn lanes(self, acc: &mut [f32]) -> f32 {
        let mut len = acc.len();
        while len > 1 {
            let half = len / 2;
            for i in 0..half {
                acc[i] = self.two(acc[i], acc[i + half]);
            }
            if len % 2 == 1 {
                acc[0] = self.two(acc[0], acc[len - 1]);
            }
            len = half;
        }
        acc.first().copied().unwrap_or(0.0)
    }

    /// Combines two values.
    #[inline(always)]
    pub fn two(self, a: f32, b: f32) -> f32 {
        match self {
            Combine::Sum => a + b,
            Combine::Max => max(a, b),
            Combine::Min => min(a, b),
        }
    }
}

/// A lane-parallel fold over one or two inputs: `acc_i = step(acc_i, a_i, b_i)` across `L`
/// independent lanes, then the lanes combined. `b` may be empty for one-input folds; `b_i` is
/// then `a_i`, and a step that ignores it costs no second load (LLVM drops the dead read).
pub struct Fold<'a, F> {
    /// The input.
    pub a: &'a [f32],
    /// The second input, or empty.
    pub b: &'a [f32],
    /// The accumulator's start value.
    pub init: f32,
    /// One step.
    pub step: F,
    /// The final combine.
    pub combine: Combine,
}

impl<F: Fn(f32, f32, f32) -> f32> Body for Fold<'_, F> {
    type Out = f32;
    #[inline(always)]
    fn run<const L: usize>(&mut self) -> f32 {
        let mut acc = [self.init; L];
        let a = self.a;
        let b = if self.b.is_empty() { a } else { self.b };
        let n = a.len().min(b.len());
        let main = n - n % L;
        for (ca, cb) in a[..main].chunks_exact(L).zip(b[..main].chunks_exact(L)) {
            for i in 0..L {
                acc[i] = (self.step)(acc[i], ca[i], cb[i]);
            }
        }
        // The remainder in chunks of one native vector (16 lanes), then one lane.
        let mid = main + (n - main) / W * W;
        for (ca, cb) in a[main..mid]
            .chunks_exact(W)
            .zip(b[main..mid].chunks_exact(W))
        {
            for i in 0..W {
                acc[i] = (self.step)(acc[i], ca[i], cb[i]);
            }
        }
        for i in mid..n {
            acc[0] = (self.step)(acc[0], a[i], b[i]);
        }
        // The halving combine indexes its array with a loop-dependent length; on a copy, the
        // main loop's `acc` stays in registers (avx512 vec.max at 1e5: 2.57 → 1.77 µs).
        let mut lanes = acc;
        self.combine.lanes(&mut lanes)
    }
}

/// `out_i = f(a_i)` while summing `out_i` across lanes (softmax's exp-and-sum pass).
pub struct MapFold<'a, F> {
    /// Input.
    pub a: &'a [f32],
    /// Output.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32) -> f32> Body for MapFold<'_, F> {
    type Out = f32;
    #[inline(always)]
    fn run<const L: usize>(&mut self) -> f32 {
        let mut acc = [0.0f32; L];
        let n = self.a.len().min(self.out.len());
        let main = n - n % L;
        let (a, out) = (&self.a[..n], &mut self.out[..n]);
        for (ca, co) in a[..main]
            .chunks_exact(L)
            .zip(out[..main].chunks_exact_mut(L))
        {
            for i in 0..L {
                co[i] = (self.f)(ca[i]);
                acc[i] += co[i];
            }
        }
        // The remainder as `Fold`'s: one native vector at a time, then lane 0 (indexing `acc`
        // by position would pin it).
        let mid = main + (n - main) / W * W;
        for (ca, co) in a[main..mid]
            .chunks_exact(W)
            .zip(out[main..mid].chunks_exact_mut(W))
        {
            for i in 0..W {
                co[i] = (self.f)(ca[i]);
                acc[i] += co[i];
            }
        }
        for i in mid..n {
            out[i] = (self.f)(a[i]);
            acc[0] += out[i];
        }
        // A copy for the halving combine, as in `Fold`.
        let mut lanes = acc;
        Combine::Sum.lanes(&mut lanes)
    }
}
