//! The `space` family: the vector-space operations on f64 vectors — `axpy` (z = αx + y, out of
//! place so every call does the same work), `inner` ⟨x, y⟩, `norm` ‖x‖₂, `scale` (y = αx) and
//! `lincomb` (z = Σ c_i x_i over four vectors) — as the loops a user writes (`naive`) and
//! through faer (`faer`: `zip!`, `inner_prod`, `norm_l2`).
//!
//! This file owns the probes, thresholds, work and f64 oracles. Axis `size` ∈ {100 … 1e6},
//! representative 100 000; inputs uniform in [-1, 1), generated in order and all digested.
//! The oracle is exact-ish (f64 on f64 inputs), so thresholds are a few ε.

use std::hint::black_box;

use faer::{Col, Conj, unzip, zip};
use nbench_schema::{ProbeInfo, Threshold};

use crate::generate::vec_f64;
use crate::probe::{Instance, Kernel, Probe, ProbeError, SetupCtx, Work, cpu_backends, int_axis};

const SIZES: [i64; 5] = [100, 1000, 10_000, 100_000, 1_000_000];
const EPS: f64 = f64::EPSILON;
const ALPHA: f64 = 1.5;
const COEFFS: [f64; 4] = [0.5, -1.25, 2.0, 0.75];

/// Every `space` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    [Op::Axpy, Op::Inner, Op::Norm, Op::Scale, Op::Lincomb]
        .into_iter()
        .map(|op| Box::new(Space(op)) as Box<dyn Probe>)
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Axpy,
    Inner,
    Norm,
    Scale,
    Lincomb,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Axpy => "space.axpy",
            Op::Inner => "space.inner",
            Op::Norm => "space.norm",
            Op::Scale => "space.scale",
            Op::Lincomb => "space.lincomb",
        }
    }
    fn inputs(self) -> usize {
        match self {
            Op::Norm | Op::Scale => 1,
            Op::Axpy | Op::Inner => 2,
            Op::Lincomb => 4,
        }
    }
    fn reduces(self) -> bool {
        matches!(self, Op::Inner | Op::Norm)
    }
}

struct Space(Op);

impl Probe for Space {
    fn info(&self) -> ProbeInfo {
        let description = match self.0 {
            Op::Axpy => "z = 1.5·x + y on f64 vectors",
            Op::Inner => "inner product ⟨x, y⟩ of f64 vectors",
            Op::Norm => "euclidean norm ‖x‖₂ of an f64 vector",
            Op::Scale => "y = 1.5·x on an f64 vector",
            Op::Lincomb => "z = Σ c_i x_i of four f64 vectors",
        };
        ProbeInfo {
            name: self.0.name().to_string(),
            family: "space".to_string(),
            description: description.to_string(),
            axes: vec![int_axis("size", &SIZES, 100_000)],
            backends: cpu_backends(&["naive", "faer"]),
            hidden: false,
            reference: None,
        }
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let op = self.0;
        let n = ctx.count("size")?;
        let xs: Vec<Vec<f64>> = (0..op.inputs())
            .map(|_| vec_f64(&mut ctx.rng, n, -1.0, 1.0))
            .collect();
        for x in &xs {
            ctx.digest.f64s(x);
        }
        let faer = match ctx.spec.backend.as_str() {
            "naive" => false,
            "faer" => true,
            other => {
                return Err(ProbeError::BadParam(format!(
                    "unknown backend `{other}`; valid backends: naive, faer"
                )));
            }
        };
        let reference = oracle(op, &xs);
        let nf = n as f64;
        let (threshold, flops) = match op {
            // Signed sums: ≈ ε·√n·|partial sums| typical; 4·ε·Σ|x_i y_i| bounds it (as vec.dot).
            Op::Inner => {
                let abs: f64 = xs[0].iter().zip(&xs[1]).map(|(x, y)| (x * y).abs()).sum();
                (
                    Threshold {
                        rtol: 1e-12,
                        atol: 4.0 * EPS * abs,
                    },
                    2.0,
                )
            }
            // A positive sum then √: relative error ≤ n·ε/2 worst case, far less in practice.
            Op::Norm => (
                Threshold {
                    rtol: 1e-13 + nf * EPS / 100.0,
                    atol: 0.0,
                },
                2.0,
            ),
            // One rounding of a product.
            Op::Scale => (
                Threshold {
                    rtol: 2.0 * EPS,
                    atol: 0.0,
                },
                1.0,
            ),
            // Two roundings; cancellation near 0 leaves ≤ 2ε·(|αx| + |y|) ≤ 5ε absolute.
            Op::Axpy => (
                Threshold {
                    rtol: 4.0 * EPS,
                    atol: 8.0 * EPS,
                },
                2.0,
            ),
            // Seven roundings over terms summing to ≤ 4.5 in size.
            Op::Lincomb => (
                Threshold {
                    rtol: 8.0 * EPS,
                    atol: 40.0 * EPS,
                },
                7.0,
            ),
        };
        let outputs = if op.reduces() { 0.0 } else { 8.0 };
        Ok(Instance {
            kernel: Box::new(SpaceKernel {
                op,
                fx: if faer {
                    xs.iter().map(|x| Col::from_fn(n, |i| x[i])).collect()
                } else {
                    Vec::new()
                },
                fout: Col::zeros(if faer { n } else { 0 }),
                out: vec![0.0; if faer || op.reduces() { 0 } else { n }],
                value: 0.0,
                xs,
                reference,
            }),
            threshold,
            oracle_kind: "f64_reference".to_string(),
            work: Work {
                elems: nf,
                flops: flops * nf,
                bytes: (8.0 * op.inputs() as f64 + outputs) * nf,
            },
        })
    }
}

fn oracle(op: Op, xs: &[Vec<f64>]) -> Vec<f64> {
    let x = &xs[0];
    match op {
        Op::Inner => vec![x.iter().zip(&xs[1]).map(|(a, b)| a * b).sum()],
        Op::Norm => vec![x.iter().map(|a| a * a).sum::<f64>().sqrt()],
        Op::Scale => x.iter().map(|a| ALPHA * a).collect(),
        Op::Axpy => x.iter().zip(&xs[1]).map(|(a, b)| ALPHA * a + b).collect(),
        Op::Lincomb => (0..x.len())
            .map(|i| COEFFS.iter().zip(xs).map(|(c, v)| c * v[i]).sum())
            .collect(),
    }
}

struct SpaceKernel {
    op: Op,
    xs: Vec<Vec<f64>>,
    fx: Vec<Col<f64>>,
    out: Vec<f64>,
    fout: Col<f64>,
    value: f64,
    reference: Vec<f64>,
}

impl SpaceKernel {
    fn naive(&mut self) {
        let xs = black_box(&self.xs);
        let (x, out) = (&xs[0], &mut self.out);
        match self.op {
            Op::Inner => self.value = x.iter().zip(&xs[1]).fold(0.0, |s, (a, b)| s + a * b),
            Op::Norm => self.value = x.iter().fold(0.0, |s, a| s + a * a).sqrt(),
            Op::Scale => out.iter_mut().zip(x).for_each(|(o, a)| *o = ALPHA * a),
            Op::Axpy => {
                for ((o, a), b) in out.iter_mut().zip(x).zip(&xs[1]) {
                    *o = ALPHA * a + b;
                }
            }
            Op::Lincomb => {
                let it = out.iter_mut().zip(x).zip(&xs[1]).zip(&xs[2]).zip(&xs[3]);
                for ((((o, a), b), c), d) in it {
                    *o = COEFFS[0] * a + COEFFS[1] * b + COEFFS[2] * c + COEFFS[3] * d;
                }
            }
        }
    }

    fn faer(&mut self) {
        let fx = black_box(&self.fx);
        let out = &mut self.fout;
        match self.op {
            Op::Inner => {
                let (x, y) = (fx[0].as_ref(), fx[1].as_ref());
                self.value =
                    faer::linalg::matmul::dot::inner_prod(x.transpose(), Conj::No, y, Conj::No);
            }
            Op::Norm => self.value = fx[0].norm_l2(),
            Op::Scale => zip!(out, &fx[0]).for_each(|unzip!(o, a)| *o = ALPHA * *a),
            Op::Axpy => zip!(out, &fx[0], &fx[1]).for_each(|unzip!(o, a, b)| *o = ALPHA * *a + *b),
            Op::Lincomb => {
                zip!(out, &fx[0], &fx[1], &fx[2], &fx[3]).for_each(|unzip!(o, a, b, c, d)| {
                    *o = COEFFS[0] * *a + COEFFS[1] * *b + COEFFS[2] * *c + COEFFS[3] * *d;
                })
            }
        }
    }
}

impl Kernel for SpaceKernel {
    fn run(&mut self) {
        if self.fx.is_empty() {
            self.naive();
        } else {
            self.faer();
        }
        black_box(&mut self.out);
        black_box(&mut self.fout);
        black_box(self.value);
    }
    fn output(&self) -> Vec<f64> {
        if self.op.reduces() {
            vec![self.value]
        } else if self.fx.is_empty() {
            self.out.clone()
        } else {
            self.fout.iter().copied().collect()
        }
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(self.reference.clone())
    }
}
