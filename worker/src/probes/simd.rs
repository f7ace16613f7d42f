//! Explicit-SIMD instantiation: one kernel body, compiled once per x86-64 instruction set.
//!
//! This module owns the instruction-set backends (`sse2`, `avx2`, `avx512`), their runtime
//! detection, and the only `unsafe` of the probe library's kernels: calling a
//! `#[target_feature]` wrapper after the feature was checked (the deliberate faults of
//! `calib_fault` make their own libc calls). A kernel is a [`Body`] whose `run::<L>()` is written
//! once over `L`-lane accumulators; the wrappers here inline it under each feature set so LLVM
//! emits 128-, 256- or 512-bit code from the same source. The shared bodies live beside it
//! (element-wise maps in [`super::simd_map`], lane-parallel folds in [`super::simd_fold`]); this
//! module must not contain any kernel.

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

/// The explicit-SIMD backends with the CPU features each requires, so the attempt skips a
/// backend this CPU lacks before setup (the SDK's declared-features path).
pub fn backends() -> Vec<nbench_schema::BackendInfo> {
    use nbench_schema::BackendInfo;
    vec![
        BackendInfo::cpu("scalar"),
        BackendInfo::cpu("sse2").requiring(&["sse2"]),
        BackendInfo::cpu("avx2").requiring(&["avx2", "fma"]),
        BackendInfo::cpu("avx512").requiring(&["avx512f", "avx512bw", "avx512dq", "avx512vl"]),
    ]
}

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

/// A kernel written once over `L` lanes: 4 native vectors of f32 for SSE2 and AVX2, 8 for
/// AVX-512. AVX-512 at 8 vectors doubled the semiring kernel over 4 (semiring.matmul fused at
/// 512). AVX2 at 8 vectors (L = 64) left LLVM's vectorised lane loop with two trips of 4
/// vectors, so the accumulators lived on the stack; at L = 32 they stay in registers (measured
/// at 100K: vec.sum 6.92 → 3.53 µs, vec.max 8.51 → 3.53 µs, vec.argmax 9.05 → 2.56 µs, vec.dot
/// unchanged at 7.2 µs). The semiring and graph kernels reach AVX2 only on CPUs without
/// AVX-512, so L = 32 is unmeasured for them here.
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
            body.run::<32>()
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
