//! The `vec` family: element-wise ops, reductions and activations on f32 vectors, each with the
//! straightforward `scalar` loop a user writes and explicit-SIMD `sse2`, `avx2`, `avx512`
//! instantiations of one kernel (see [`super::simd`]).
//!
//! This file owns what every `vec` probe shares: the catalogue entry (axis `size` ∈ {100 … 1e6},
//! representative 100 000), seeded input generation, the kernel wrapper and the family list.
//! The ops themselves live in `vec_elementwise`, `vec_reduce`, `vec_extreme` and
//! `vec_activation`. Inputs always
//! come from the seeded generator in `SetupCtx`, never from the backend, so every backend of a
//! point has the same digest.
//!
//! Declared work counts *compulsory* traffic — each input read once, each output written once —
//! so `bandwidth` is comparable across backends and against `vec.copy` (the roofline), whatever
//! number of passes an implementation makes.

use std::cell::RefCell;
use std::hint::black_box;

use nbench_schema::{BackendInfo, ProbeInfo, Threshold};

use super::simd::{Isa, dispatch};
use super::simd_map::{Map1, Map2, Map3};
use crate::cuda::vec::VecOp;
use crate::generate::vec_f32;
use crate::probe::{Instance, Kernel, Probe, ProbeError, SetupCtx, Work, int_axis};

const SIZES: [i64; 5] = [100, 1000, 10_000, 100_000, 1_000_000];

/// Every `vec` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    let mut all: Vec<VecProbe> = Vec::new();
    all.extend(super::vec_elementwise::ops());
    all.extend(super::vec_reduce::ops());
    all.extend(super::vec_activation::ops());
    all.into_iter()
        .map(|p| Box::new(p) as Box<dyn Probe>)
        .collect()
}

/// One `vec` op: its name, description and instance builder.
pub struct VecProbe {
    /// `vec.<op>`.
    pub name: &'static str,
    /// One line for the catalogue.
    pub description: &'static str,
    /// Generates the inputs and builds the instance for an instruction set.
    pub build: fn(&mut SetupCtx, Isa) -> Result<Instance, ProbeError>,
}

/// One catalogue entry (what each op file's `ops()` lists).
pub fn op(
    name: &'static str,
    description: &'static str,
    build: fn(&mut SetupCtx, Isa) -> Result<Instance, ProbeError>,
) -> VecProbe {
    VecProbe {
        name,
        description,
        build,
    }
}

impl Probe for VecProbe {
    fn info(&self) -> ProbeInfo {
        ProbeInfo {
            name: self.name.to_string(),
            family: "vec".to_string(),
            description: self.description.to_string(),
            axes: vec![int_axis("size", &SIZES, 100_000)],
            backends: super::simd::backends()
                .into_iter()
                .chain(VecOp::for_probe(self.name).map(|_| BackendInfo {
                    name: "cuda".to_string(),
                    platform: "cuda".to_string(),
                    requires: Vec::new(),
                }))
                .collect(),
            hidden: false,
            reference: None,
        }
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        if let (Some(op), "cuda") = (VecOp::for_probe(self.name), ctx.spec.backend.as_str()) {
            return cuda_setup(self, ctx, op);
        }
        let isa = Isa::for_backend(&ctx.spec.backend)?;
        (self.build)(ctx, isa)
    }
}

thread_local! {
    /// Set while a `cuda` attempt's builder runs: [`instance`] then hands the generated inputs
    /// to the CUDA backend (worker/src/cuda) instead of wrapping a CPU kernel, so the op
    /// builders stay backend-agnostic; a failure to build comes back through the same slot.
    static CUDA: RefCell<Option<Result<VecOp, ProbeError>>> = const { RefCell::new(None) };
}

/// Runs the op's builder (same inputs, digest, threshold and work as every backend) with the
/// CUDA slot set.
fn cuda_setup(p: &VecProbe, ctx: &mut SetupCtx, op: VecOp) -> Result<Instance, ProbeError> {
    CUDA.with(|c| *c.borrow_mut() = Some(Ok(op)));
    let built = (p.build)(ctx, Isa::Scalar);
    match CUDA.with(|c| c.borrow_mut().take()) {
        Some(Err(e)) => Err(e),
        _ => built,
    }
}

/// The CUDA kernel for `op` on `x`, when a `cuda` setup is under way; on failure the error is
/// left in the slot for [`cuda_setup`].
fn cuda_kernel(x: &[Vec<f32>], oracle: Oracle) -> Option<Box<dyn Kernel>> {
    let op = CUDA.with(|c| c.borrow().as_ref().and_then(|r| r.as_ref().ok().copied()))?;
    let inputs: Vec<&[f32]> = x.iter().map(Vec::as_slice).collect();
    let kept = x.to_vec();
    let reference = Box::new(move || Some(oracle(&kept)));
    match crate::cuda::vec::kernel(op, &inputs, reference) {
        Ok(k) => Some(k),
        Err(e) => {
            CUDA.with(|c| *c.borrow_mut() = Some(Err(e)));
            None
        }
    }
}

/// One vector of `size` per range, uniform in `[lo, hi)`, generated and fed to the digest in
/// order (so `vec.add`'s two `[-1, 1)` inputs keep the digest they always had).
pub fn inputs(ctx: &mut SetupCtx, ranges: &[(f32, f32)]) -> Result<Vec<Vec<f32>>, ProbeError> {
    let n = ctx.count("size")?;
    let vs: Vec<Vec<f32>> = ranges
        .iter()
        .map(|&(lo, hi)| vec_f32(&mut ctx.rng, n, lo, hi))
        .collect();
    for v in &vs {
        ctx.digest.f32s(v);
    }
    Ok(vs)
}

/// Widens f32s to f64s.
pub fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// One call: inputs, the element-wise output buffer, the instruction set → a reduction's value
/// (ignored for element-wise ops).
pub type Call = fn(Isa, &[Vec<f32>], &mut [f32]) -> f64;

/// The f64 reference from the inputs.
pub type Oracle = fn(&[Vec<f32>]) -> Vec<f64>;

/// The kernel every `vec` op uses: its inputs, an output buffer, and the op's call.
pub struct VecKernel {
    isa: Isa,
    x: Vec<Vec<f32>>,
    out: Vec<f32>,
    value: f64,
    reduces: bool,
    call: Call,
    oracle: Oracle,
}

impl Kernel for VecKernel {
    fn run(&mut self) {
        self.value = (self.call)(self.isa, black_box(&self.x), &mut self.out);
        black_box(&mut self.out);
        black_box(self.value);
    }
    fn output(&self) -> Vec<f64> {
        if self.reduces {
            vec![self.value]
        } else {
            widen(&self.out)
        }
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some((self.oracle)(&self.x))
    }
}

/// What an op declares besides its call.
pub struct OpSpec {
    /// Tolerance against the oracle.
    pub threshold: Threshold,
    /// `f64_reference` or `exact`.
    pub oracle_kind: &'static str,
    /// flops per element.
    pub flops: f64,
    /// Compulsory bytes per element (inputs read + outputs written).
    pub bytes: f64,
    /// Whether the output is one value rather than a vector.
    pub reduces: bool,
}

impl OpSpec {
    /// An element-wise op: a vector out; the oracle is `exact` when `threshold` is [`EXACT`].
    pub fn map(threshold: Threshold, flops: f64, bytes: f64) -> OpSpec {
        OpSpec::new(threshold, flops, bytes, false)
    }

    /// A reduction: one value out; the oracle is `exact` when `threshold` is [`EXACT`].
    pub fn fold(threshold: Threshold, flops: f64, bytes: f64) -> OpSpec {
        OpSpec::new(threshold, flops, bytes, true)
    }

    fn new(threshold: Threshold, flops: f64, bytes: f64, reduces: bool) -> OpSpec {
        OpSpec {
            threshold,
            oracle_kind: if threshold == EXACT {
                "exact"
            } else {
                "f64_reference"
            },
            flops,
            bytes,
            reduces,
        }
    }
}

/// Builds the instance around already generated inputs.
pub fn instance(isa: Isa, x: Vec<Vec<f32>>, spec: OpSpec, call: Call, oracle: Oracle) -> Instance {
    let n = x.first().map_or(0, Vec::len);
    let nf = n as f64;
    let cuda = cuda_kernel(&x, oracle);
    Instance {
        kernel: cuda.unwrap_or_else(|| {
            Box::new(VecKernel {
                isa,
                out: if spec.reduces {
                    Vec::new()
                } else {
                    vec![0.0; n]
                },
                x,
                value: 0.0,
                reduces: spec.reduces,
                call,
                oracle,
            })
        }),
        threshold: spec.threshold,
        oracle_kind: spec.oracle_kind.to_string(),
        work: Work {
            elems: nf,
            flops: spec.flops * nf,
            bytes: spec.bytes * nf,
        },
    }
}

/// The bit-exact threshold of ops whose result is one of the inputs (max, relu, argmax, …).
pub const EXACT: Threshold = Threshold {
    rtol: 0.0,
    atol: 0.0,
};

/// The `i`th input, or an empty slice (the builders always generate enough).
pub fn arg(x: &[Vec<f32>], i: usize) -> &[f32] {
    x.get(i).map_or(&[], Vec::as_slice)
}

/// `out_i = f(a_i)`: the user's loop for `scalar` (with `scalar_f`), else `simd_f` instantiated
/// for `isa`.
#[inline(always)]
pub fn map1(
    isa: Isa,
    x: &[Vec<f32>],
    out: &mut [f32],
    scalar_f: impl Fn(f32) -> f32,
    simd_f: impl Fn(f32) -> f32,
) -> f64 {
    let a = arg(x, 0);
    if isa == Isa::Scalar {
        for (o, &v) in out.iter_mut().zip(a) {
            *o = scalar_f(v);
        }
    } else {
        dispatch(isa, &mut Map1 { a, out, f: simd_f });
    }
    0.0
}

/// `out_i = f(a_i, b_i)`, as [`map1`].
#[inline(always)]
pub fn map2(isa: Isa, x: &[Vec<f32>], out: &mut [f32], f: impl Fn(f32, f32) -> f32) -> f64 {
    let (a, b) = (arg(x, 0), arg(x, 1));
    if isa == Isa::Scalar {
        for ((o, &u), &v) in out.iter_mut().zip(a).zip(b) {
            *o = f(u, v);
        }
    } else {
        dispatch(isa, &mut Map2 { a, b, out, f });
    }
    0.0
}

/// `out_i = f(a_i, b_i, c_i)`, as [`map1`].
#[inline(always)]
pub fn map3(isa: Isa, x: &[Vec<f32>], out: &mut [f32], f: impl Fn(f32, f32, f32) -> f32) -> f64 {
    let (a, b, c) = (arg(x, 0), arg(x, 1), arg(x, 2));
    if isa == Isa::Scalar {
        for (((o, &u), &v), &w) in out.iter_mut().zip(a).zip(b).zip(c) {
            *o = f(u, v, w);
        }
    } else {
        dispatch(isa, &mut Map3 { a, b, c, out, f });
    }
    0.0
}
