//! The `tensor` family: dense square matmul `C = A·B` in f32 or f64, as a naive triple loop
//! and through faer (`tensor.add` lives in `tensor_add`).
//!
//! This file owns the family's probes, thresholds, declared work and the float64 oracle.
//! Adding a `tensor` probe or backend touches only this file. Both backends get the same
//! row-major inputs from the seeded generator; faer's copies are made in setup.

use std::hint::black_box;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat};
use nbench_schema::{BackendInfo, ProbeInfo, Threshold};

use crate::generate::{vec_f32, vec_f64};
use crate::probe::{
    Instance, Kernel, Probe, ProbeError, SetupCtx, Work, cpu_backends, int_axis, str_axis,
};

/// Every `tensor` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    vec![Box::new(super::tensor_add::Add), Box::new(Matmul)]
}

/// The element types the matmul kernels are generic over.
pub(super) trait Elem:
    faer::traits::ComplexField + Copy + Default + Into<f64> + 'static
{
    /// Machine epsilon, widened.
    const EPS: f64;
    /// One.
    const ONE: Self;
    /// `acc + a·b`, unfused.
    fn mul_add(acc: Self, a: Self, b: Self) -> Self;
    /// `a + b`.
    fn add(a: Self, b: Self) -> Self;
}

impl Elem for f32 {
    const EPS: f64 = f32::EPSILON as f64;
    const ONE: f32 = 1.0;
    fn mul_add(acc: f32, a: f32, b: f32) -> f32 {
        acc + a * b
    }
    fn add(a: f32, b: f32) -> f32 {
        a + b
    }
}

impl Elem for f64 {
    const EPS: f64 = f64::EPSILON;
    const ONE: f64 = 1.0;
    fn mul_add(acc: f64, a: f64, b: f64) -> f64 {
        acc + a * b
    }
    fn add(a: f64, b: f64) -> f64 {
        a + b
    }
}

/// Square `C = A·B`.
struct Matmul;

/// The backends of every `tensor` probe.
pub(super) fn backends() -> Vec<BackendInfo> {
    cpu_backends(&["naive", "faer"])
}

impl Probe for Matmul {
    fn info(&self) -> ProbeInfo {
        ProbeInfo {
            name: "tensor.matmul".to_string(),
            family: "tensor".to_string(),
            description: "square dense matrix product C = A·B".to_string(),
            axes: vec![
                int_axis("size", &[100, 1000], 100),
                str_axis("dtype", &["f32", "f64"], "f64"),
            ],
            backends: backends()
                .into_iter()
                .chain([BackendInfo {
                    name: "cuda".to_string(),
                    platform: "cuda".to_string(),
                    requires: Vec::new(),
                }])
                .collect(),
            hidden: false,
            reference: None,
        }
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        setup_operands(ctx, instance::<f32>, instance::<f64>)
    }
}

/// Builds a probe's instance from its two seeded operands of one element type.
pub(super) type Build<T> = fn(&SetupCtx, usize, Vec<T>, Vec<T>) -> Result<Instance, ProbeError>;

/// The setup every `tensor` probe shares: two seeded row-major `n × n` operands in the point's
/// `dtype`, in the problem digest, handed to the probe's builder for that type.
pub(super) fn setup_operands(
    ctx: &mut SetupCtx,
    f32s: Build<f32>,
    f64s: Build<f64>,
) -> Result<Instance, ProbeError> {
    let n = ctx.count("size")?;
    match ctx.text("dtype")? {
        "f32" => {
            let a = vec_f32(&mut ctx.rng, n * n, -1.0, 1.0);
            let b = vec_f32(&mut ctx.rng, n * n, -1.0, 1.0);
            ctx.digest.f32s(&a);
            ctx.digest.f32s(&b);
            f32s(ctx, n, a, b)
        }
        "f64" => {
            let a = vec_f64(&mut ctx.rng, n * n, -1.0, 1.0);
            let b = vec_f64(&mut ctx.rng, n * n, -1.0, 1.0);
            ctx.digest.f64s(&a);
            ctx.digest.f64s(&b);
            f64s(ctx, n, a, b)
        }
        other => Err(ProbeError::BadParam(format!(
            "unknown dtype `{other}`; valid values: f32, f64"
        ))),
    }
}

fn instance<T: Elem>(
    ctx: &SetupCtx,
    n: usize,
    a: Vec<T>,
    b: Vec<T>,
) -> Result<Instance, ProbeError> {
    let kernel: Box<dyn Kernel> = match ctx.spec.backend.as_str() {
        "naive" => Box::new(Naive {
            n,
            c: vec![T::default(); n * n],
            a,
            b,
        }),
        "faer" => Box::new(Faer(FaerOperands::new(n, a, b))),
        "cuda" => cuda_matmul(n, a, b)?,
        other => {
            return Err(ProbeError::BadParam(format!(
                "unknown backend `{other}`; valid backends: naive, faer, cuda"
            )));
        }
    };
    let nf = n as f64;
    Ok(Instance {
        kernel,
        // Each entry is a length-n dot product of terms in [-1, 1): its rounding error grows
        // with n (≈ ε·n/4 typical for sequential sums, less for blocked ones), so the absolute
        // tolerance scales with n; 4·n·ε sits well above what any summation order reaches.
        threshold: Threshold {
            rtol: 4.0 * T::EPS,
            atol: 4.0 * nf * T::EPS,
        },
        oracle_kind: "f64_reference".to_string(),
        work: Work {
            elems: nf * nf,
            flops: 2.0 * nf * nf * nf,
            bytes: 3.0 * nf * nf * std::mem::size_of::<T>() as f64,
        },
    })
}

/// The cuBLAS backend (worker/src/cuda). gemm is typed, so the generic inputs are matched
/// back to the two element types the `dtype` axis allows.
fn cuda_matmul<T: Elem>(n: usize, a: Vec<T>, b: Vec<T>) -> Result<Box<dyn Kernel>, ProbeError> {
    use std::any::Any;
    let (oa, ob) = (a.clone(), b.clone());
    let reference = Box::new(move || Some(oracle(n, &oa, &ob)));
    let (a, b): (Box<dyn Any>, Box<dyn Any>) = (Box::new(a), Box::new(b));
    let dims = (n, n, n);
    if let (Some(a), Some(b)) = (a.downcast_ref::<Vec<f32>>(), b.downcast_ref::<Vec<f32>>()) {
        return crate::cuda::matmul::kernel(a, b, dims, reference);
    }
    if let (Some(a), Some(b)) = (a.downcast_ref::<Vec<f64>>(), b.downcast_ref::<Vec<f64>>()) {
        return crate::cuda::matmul::kernel(a, b, dims, reference);
    }
    Err(ProbeError::Failed(
        "cuda matmul supports dtype f32 and f64 only".to_string(),
    ))
}

/// The f64 product of the widened inputs, i-k-j order.
fn oracle<T: Elem>(n: usize, a: &[T], b: &[T]) -> Vec<f64> {
    let mut c = vec![0.0f64; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik: f64 = a[i * n + k].into();
            for (cij, &bkj) in c[i * n..(i + 1) * n].iter_mut().zip(&b[k * n..(k + 1) * n]) {
                *cij += aik * bkj.into();
            }
        }
    }
    c
}

/// The triple loop a user writes, i-k-j order so the inner loop streams rows.
struct Naive<T> {
    n: usize,
    a: Vec<T>,
    b: Vec<T>,
    c: Vec<T>,
}

impl<T: Elem> Kernel for Naive<T> {
    fn run(&mut self) {
        let n = self.n;
        let (a, b) = (black_box(&self.a), black_box(&self.b));
        self.c.fill(T::default());
        for i in 0..n {
            for k in 0..n {
                let aik = a[i * n + k];
                for (cij, &bkj) in self.c[i * n..(i + 1) * n]
                    .iter_mut()
                    .zip(&b[k * n..(k + 1) * n])
                {
                    *cij = T::mul_add(*cij, aik, bkj);
                }
            }
        }
        black_box(&mut self.c);
    }
    fn output(&self) -> Vec<f64> {
        self.c.iter().map(|&x| x.into()).collect()
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(oracle(self.n, &self.a, &self.b))
    }
}

/// The two n×n operands of a faer backend: row-major as generated (for the oracle) and as faer
/// matrices, with the output matrix, so each tensor probe's faer kernel holds only its call.
pub(super) struct FaerOperands<T: Elem> {
    pub a: Vec<T>,
    pub b: Vec<T>,
    pub fa: Mat<T>,
    pub fb: Mat<T>,
    pub c: Mat<T>,
}

impl<T: Elem> FaerOperands<T> {
    pub fn new(n: usize, a: Vec<T>, b: Vec<T>) -> FaerOperands<T> {
        FaerOperands {
            fa: Mat::from_fn(n, n, |i, j| a[i * n + j]),
            fb: Mat::from_fn(n, n, |i, j| b[i * n + j]),
            c: Mat::zeros(n, n),
            a,
            b,
        }
    }

    /// The output, row-major like the inputs and the oracle.
    pub fn output(&self) -> Vec<f64> {
        let n = self.c.nrows();
        (0..n * n)
            .map(|idx| self.c[(idx / n, idx % n)].into())
            .collect()
    }
}

/// faer's matmul with the global parallelism the attempt configured.
struct Faer<T: Elem>(FaerOperands<T>);

impl<T: Elem> Kernel for Faer<T> {
    fn run(&mut self) {
        let par = faer::get_global_parallelism();
        let m = &mut self.0;
        matmul(
            m.c.as_mut(),
            Accum::Replace,
            black_box(m.fa.as_ref()),
            black_box(m.fb.as_ref()),
            T::ONE,
            par,
        );
        black_box(&mut m.c);
    }
    fn output(&self) -> Vec<f64> {
        self.0.output()
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(oracle(self.0.fa.nrows(), &self.0.a, &self.0.b))
    }
}
