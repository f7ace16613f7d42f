//! Explicit-SIMD instantiation: one kernel body, compiled once per x86-64 instruction set.
//!
//! This module owns the instruction-set backends (`sse2`, `avx2`, `avx512`), their runtime
//! detection, and the only `unsafe` of the probe library: calling a `#[target_feature]`
//! wrapper after the feature was checked. A kernel is a [`Body`] whose `run::<L>()` is written
//! once over `L`-lane accumulators; the wrappers here inline it under each feature set so LLVM
//! emits 128-, 256- or 512-bit code from the same source. It must not contain any kernel.

use crate::probe::ProbeError;

/// An instruction set a kernel can be instantiated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// The plain loop a user writes (no instantiation; what rustc makes of it at baseline).
    Scalar,
    /// 128-bit SSE2, the x86-64 baseline.
    Sse2,
    /// 256-bit AVX2 with FMA.
    Avx2,
    /// 512-bit AVX-512 (F, BW, DQ, VL).
    Avx512,
}

/// The backend names of the explicit-SIMD families, in catalogue order.
pub const BACKENDS: [&str; 4] = ["scalar", "sse2", "avx2", "avx512"];

impl Isa {
    /// The instruction set a backend name selects, checked against this CPU.
    ///
    /// A backend the CPU lacks is `Unsupported` with reason `missing_cpu_feature`, so the row
    /// is `skipped` rather than the process dying on an illegal instruction.
    pub fn for_backend(name: &str) -> Result<Isa, ProbeError> {
        let isa = match name {
            "scalar" => Isa::Scalar,
            "sse2" => Isa::Sse2,
            "avx2" => Isa::Avx2,
            "avx512" => Isa::Avx512,
            other => {
                return Err(ProbeError::BadParam(format!(
                    "unknown backend `{other}`; valid backends: {}",
                    BACKENDS.join(", ")
                )));
            }
        };
        if isa.available() {
            Ok(isa)
        } else {
            Err(ProbeError::Unsupported {
                reason: "missing_cpu_feature".to_string(),
                message: format!("this cpu lacks the instruction set of backend `{name}`"),
            })
        }
    }

    /// Whether this CPU can run the instruction set.
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Isa::Scalar | Isa::Sse2 => true,
                Isa::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
                Isa::Avx512 => {
                    is_x86_feature_detected!("avx512f")
                        && is_x86_feature_detected!("avx512bw")
                        && is_x86_feature_detected!("avx512dq")
                        && is_x86_feature_detected!("avx512vl")
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Isa::Scalar
        }
    }

    /// The widest instruction set this CPU has (what the `fused` kernels use).
    pub fn best() -> Isa {
        [Isa::Avx512, Isa::Avx2, Isa::Sse2]
            .into_iter()
            .find(|i| i.available())
            .unwrap_or(Isa::Scalar)
    }
}

/// A kernel written once over `L` lanes: 4 native vectors of f32 for SSE2, 8 for AVX2 and
/// AVX-512. Measured (vec.sum/dot at 100K, semiring.matmul fused at 512): AVX2 at 4 vectors
/// ran 4× slower than at 8, and AVX-512 at 8 vectors doubled the semiring kernel over 4.
pub trait Body {
    /// What one call returns (a reduction's value, or `()`).
    type Out;
    /// The kernel; must be `#[inline(always)]` so it is compiled inside each wrapper.
    fn run<const L: usize>(&mut self) -> Self::Out;
}

/// Runs `body` instantiated for `isa`. `Scalar` gets the SSE2 instantiation (callers that
/// want the user's loop do not come here).
#[inline]
pub fn dispatch<B: Body>(isa: Isa, body: &mut B) -> B::Out {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        fn avx2<B: Body>(body: &mut B) -> B::Out {
            body.run::<64>()
        }
        #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
        fn avx512<B: Body>(body: &mut B) -> B::Out {
            body.run::<128>()
        }
        match isa {
            // SSE2 is part of x86-64 itself, so the default target already has it.
            Isa::Scalar | Isa::Sse2 => body.run::<16>(),
            Isa::Avx2 if Isa::Avx2.available() => {
                // SAFETY: avx2 and fma were detected on this CPU just above.
                unsafe { avx2(body) }
            }
            Isa::Avx512 if Isa::Avx512.available() => {
                // SAFETY: avx512 f/bw/dq/vl were detected on this CPU just above.
                unsafe { avx512(body) }
            }
            // Unreachable through `for_backend`; the baseline instantiation is always safe.
            Isa::Avx2 | Isa::Avx512 => body.run::<16>(),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = isa;
        body.run::<16>()
    }
}

/// `min` as a plain select, which vectorises to one instruction (`f32::min` adds NaN fixups).
#[inline(always)]
pub fn min(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

/// `max` as a plain select.
#[inline(always)]
pub fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

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

impl Combine {
    /// Folds `acc` into one value.
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
/// independent lanes, then the lanes combined. `b` may be empty for one-input folds.
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
        // One-input folds read `a` twice rather than keep a second loop: the duplicate load
        // hits the same cache line.
        let b = if self.b.is_empty() { a } else { self.b };
        let n = a.len().min(b.len());
        let main = n - n % L;
        for (ca, cb) in a[..main].chunks_exact(L).zip(b[..main].chunks_exact(L)) {
            for i in 0..L {
                acc[i] = (self.step)(acc[i], ca[i], cb[i]);
            }
        }
        // The remainder in chunks of at most one native vector (16 lanes), then one lane.
        let w = L.min(16);
        let mid = main + (n - main) / w * w;
        for (ca, cb) in a[main..mid]
            .chunks_exact(w)
            .zip(b[main..mid].chunks_exact(w))
        {
            for i in 0..w {
                acc[i] = (self.step)(acc[i], ca[i], cb[i]);
            }
        }
        for i in mid..n {
            acc[0] = (self.step)(acc[0], a[i], b[i]);
        }
        self.combine.lanes(&mut acc)
    }
}

/// `out_i = f(a_i)`.
pub struct Map1<'a, F> {
    /// Input.
    pub a: &'a [f32],
    /// Output.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32) -> f32> Body for Map1<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        for (o, &x) in self.out.iter_mut().zip(self.a) {
            *o = (self.f)(x);
        }
    }
}

/// `out_i = f(a_i, b_i)`.
pub struct Map2<'a, F> {
    /// First input.
    pub a: &'a [f32],
    /// Second input.
    pub b: &'a [f32],
    /// Output.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32, f32) -> f32> Body for Map2<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        for ((o, &x), &y) in self.out.iter_mut().zip(self.a).zip(self.b) {
            *o = (self.f)(x, y);
        }
    }
}

/// `out_i = f(a_i, b_i, c_i)`.
pub struct Map3<'a, F> {
    /// First input.
    pub a: &'a [f32],
    /// Second input.
    pub b: &'a [f32],
    /// Third input.
    pub c: &'a [f32],
    /// Output.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32, f32, f32) -> f32> Body for Map3<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        let it = self.out.iter_mut().zip(self.a).zip(self.b).zip(self.c);
        for (((o, &x), &y), &z) in it {
            *o = (self.f)(x, y, z);
        }
    }
}

/// `out_i = f(a_i)` while folding `g(out_i)` across lanes (softmax's exp-and-sum pass).
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
        for i in main..n {
            out[i] = (self.f)(a[i]);
            acc[i - main] += out[i];
        }
        Combine::Sum.lanes(&mut acc)
    }
}

/// `out_i = f(out_i)` in place.
pub struct MapInPlace<'a, F> {
    /// The vector.
    pub out: &'a mut [f32],
    /// The element function.
    pub f: F,
}

impl<F: Fn(f32) -> f32> Body for MapInPlace<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        for o in self.out.iter_mut() {
            *o = (self.f)(*o);
        }
    }
}
