//! The `semiring` family: `semiring.matmul`, `C = A ⊗ B` of square f32 matrices over the
//! `real` (+, ×), `log` (logsumexp, +), `tropical` (max, +) and `euclidean` (Σ (a − b)²)
//! algebras, axis `algebra`.
//!
//! This file owns the probe, its thresholds, work and f64 oracle, the `naive-dense` backend
//! (materialise the n × n × n tensor of products, then reduce — what a practitioner writes with
//! broadcasting; its `peak_alloc` is the point) and the `faer` backend (real only: any other
//! algebra is `skipped` with reason `backend_not_applicable`). The tiled kernel is
//! [`super::semiring_fused`]. Inputs are row-major, uniform in [-1, 1), A then B.

use std::hint::black_box;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat};
use nbench_schema::{BackendInfo, ProbeInfo, Threshold};

use super::simd::Isa;
use crate::generate::vec_f32;
use crate::probe::{Instance, Kernel, Probe, ProbeError, SetupCtx, Work, int_axis, str_axis};

const ALGEBRAS: [&str; 4] = ["real", "log", "tropical", "euclidean"];
const EPS: f64 = f32::EPSILON as f64;

/// Every `semiring` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    vec![Box::new(Matmul)]
}

struct Matmul;

impl Probe for Matmul {
    fn info(&self) -> ProbeInfo {
        ProbeInfo {
            name: "semiring.matmul".to_string(),
            family: "semiring".to_string(),
            description: "square f32 matrix product over a semiring (axis algebra)".to_string(),
            // The representative stays small: naive-dense at 512 materialises 512 MiB.
            axes: vec![
                int_axis("size", &[64, 128, 256, 512], 128),
                str_axis("algebra", &ALGEBRAS, "real"),
            ],
            backends: ["naive-dense", "fused", "faer", "cuda"]
                .iter()
                .map(|b| BackendInfo {
                    name: b.to_string(),
                    platform: if *b == "cuda" { "cuda" } else { "cpu" }.to_string(),
                    requires: Vec::new(),
                })
                .collect(),
            hidden: false,
            reference: None,
        }
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let n = ctx.count("size")?;
        let given = ctx.text("algebra")?;
        // The catalogue's own name, so the kernel holds a `'static` str.
        let Some(&algebra) = ALGEBRAS.iter().find(|&&a| a == given) else {
            return Err(ProbeError::BadParam(format!(
                "unknown algebra `{given}`; valid values: {}",
                ALGEBRAS.join(", ")
            )));
        };
        let a = vec_f32(&mut ctx.rng, n * n, -1.0, 1.0);
        let b = vec_f32(&mut ctx.rng, n * n, -1.0, 1.0);
        ctx.digest.f32s(&a);
        ctx.digest.f32s(&b);
        let backend = ctx.spec.backend.as_str();
        if backend == "faer" && algebra != "real" {
            return Err(ProbeError::Unsupported {
                reason: "backend_not_applicable".to_string(),
                message: format!("faer multiplies over the real algebra only, not `{algebra}`"),
            });
        }
        // `None` is the CUDA backend (worker/src/cuda), built below once the threshold is known.
        let kind = match backend {
            "naive-dense" => Some(Backend::NaiveDense),
            "fused" => Some(Backend::Fused(Isa::best())),
            "faer" => Some(Backend::Faer {
                fa: Mat::from_fn(n, n, |i, j| a[i * n + j]),
                fb: Mat::from_fn(n, n, |i, j| b[i * n + j]),
                fc: Mat::zeros(n, n),
            }),
            "cuda" => None,
            other => {
                return Err(ProbeError::BadParam(format!(
                    "unknown backend `{other}`; valid backends: naive-dense, fused, faer, cuda"
                )));
            }
        };
        let nf = n as f64;
        let (threshold, ops) = match algebra {
            // A length-n dot product of terms in [-1, 1): error grows with n (≈ ε·√n typical),
            // 4·n·ε sits well above any summation order (as tensor.matmul).
            "real" => (
                Threshold {
                    rtol: 4.0 * EPS,
                    atol: 4.0 * nf * EPS,
                },
                2.0,
            ),
            // ln of a positive sum: its relative error (≤ n·ε/100 measured bound, plus the
            // polynomial exp's 2 ulp) becomes absolute error of C; values are ≈ ln n.
            "log" => (
                Threshold {
                    rtol: 1e-6,
                    atol: 1e-5 + nf * EPS / 100.0,
                },
                3.0,
            ),
            // max of rounded sums in [-2, 2): one rounding, ≤ ε absolute.
            "tropical" => (
                Threshold {
                    rtol: 0.0,
                    atol: 2.0 * EPS,
                },
                2.0,
            ),
            // A sum of n positive terms: n·ε/100 relative keeps ~10× margin over measured.
            _ => (
                Threshold {
                    rtol: 1e-5 + nf * EPS / 100.0,
                    atol: 0.0,
                },
                3.0,
            ),
        };
        let kernel: Box<dyn Kernel> = match kind {
            Some(kind) => Box::new(SemiringKernel {
                algebra,
                n,
                c: vec![0.0; n * n],
                a,
                b,
                kind,
            }),
            None => {
                let (oa, ob) = (a.clone(), b.clone());
                let reference = Box::new(move || Some(oracle(algebra, n, &oa, &ob)));
                crate::cuda::semiring::kernel(algebra, &a, &b, (n, n, n), reference)?
            }
        };
        Ok(Instance {
            kernel,
            threshold,
            oracle_kind: "f64_reference".to_string(),
            work: Work {
                elems: nf * nf,
                flops: ops * nf * nf * nf,
                bytes: 3.0 * nf * nf * 4.0,
            },
        })
    }
}

enum Backend {
    NaiveDense,
    /// With the instruction set chosen in setup.
    Fused(Isa),
    Faer {
        fa: Mat<f32>,
        fb: Mat<f32>,
        fc: Mat<f32>,
    },
}

struct SemiringKernel {
    algebra: &'static str,
    n: usize,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
    kind: Backend,
}

impl Kernel for SemiringKernel {
    fn run(&mut self) {
        let (a, b) = (black_box(&self.a), black_box(&self.b));
        match &mut self.kind {
            Backend::NaiveDense => naive_dense(self.algebra, self.n, a, b, &mut self.c),
            Backend::Fused(isa) => {
                super::semiring_fused::matmul(*isa, self.algebra, self.n, a, b, &mut self.c)
            }
            Backend::Faer { fa, fb, fc } => {
                let par = faer::get_global_parallelism();
                matmul(
                    fc.as_mut(),
                    Accum::Replace,
                    fa.as_ref(),
                    fb.as_ref(),
                    1.0,
                    par,
                );
                black_box(fc);
            }
        }
        black_box(&mut self.c);
    }
    fn output(&self) -> Vec<f64> {
        match &self.kind {
            Backend::Faer { fc, .. } => {
                let n = self.n;
                (0..n * n).map(|i| f64::from(fc[(i / n, i % n)])).collect()
            }
            _ => self.c.iter().map(|&x| f64::from(x)).collect(),
        }
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(oracle(self.algebra, self.n, &self.a, &self.b))
    }
}

/// Materialise `t[i][k][j] = a_ik ⊗ b_kj` (n³ floats, allocated per call), then reduce over k.
fn naive_dense(algebra: &str, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let mut t = vec![0.0f32; n * n * n];
    let times = |x: f32, y: f32| match algebra {
        "real" => x * y,
        "euclidean" => (x - y) * (x - y),
        _ => x + y,
    };
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            let dst = &mut t[(i * n + k) * n..(i * n + k + 1) * n];
            for (d, &bkj) in dst.iter_mut().zip(&b[k * n..(k + 1) * n]) {
                *d = times(aik, bkj);
            }
        }
    }
    for i in 0..n {
        let row = &mut c[i * n..(i + 1) * n];
        let slab = &t[i * n * n..(i + 1) * n * n];
        match algebra {
            "tropical" | "log" => {
                row.fill(f32::NEG_INFINITY);
                for tk in slab.chunks_exact(n) {
                    for (r, &v) in row.iter_mut().zip(tk) {
                        *r = r.max(v);
                    }
                }
                if algebra == "log" {
                    // logsumexp over k: the maxima are in `row`; sum the shifted exponentials.
                    let mut s = vec![0.0f32; n];
                    for tk in slab.chunks_exact(n) {
                        for ((acc, &v), &m) in s.iter_mut().zip(tk).zip(row.iter()) {
                            *acc += (v - m).exp();
                        }
                    }
                    for (r, acc) in row.iter_mut().zip(&s) {
                        *r += acc.ln();
                    }
                }
            }
            _ => {
                row.fill(0.0);
                for tk in slab.chunks_exact(n) {
                    for (r, &v) in row.iter_mut().zip(tk) {
                        *r += v;
                    }
                }
            }
        }
    }
    black_box(&mut t);
}

/// The f64 product of the widened inputs, i-k-j order.
fn oracle(algebra: &str, n: usize, a: &[f32], b: &[f32]) -> Vec<f64> {
    let init = if algebra == "tropical" {
        f64::NEG_INFINITY
    } else {
        0.0
    };
    let mut c = vec![init; n * n];
    for i in 0..n {
        let row = &mut c[i * n..(i + 1) * n];
        for k in 0..n {
            let x = f64::from(a[i * n + k]);
            for (r, &bkj) in row.iter_mut().zip(&b[k * n..(k + 1) * n]) {
                let y = f64::from(bkj);
                *r = match algebra {
                    "real" => *r + x * y,
                    "log" => *r + (x + y).exp(),
                    "tropical" => r.max(x + y),
                    _ => *r + (x - y) * (x - y),
                };
            }
        }
        if algebra == "log" {
            // Inputs are in [-1, 1): the plain sum of exponentials cannot overflow in f64.
            row.iter_mut().for_each(|r| *r = r.ln());
        }
    }
    c
}
