//! The `linop` family: f64 linear operators applied to vectors — probes `linop.apply` (A x),
//! `linop.rapply` (Aᵀ x) and `linop.vapply` (A X, k = 8 columns), each with axes `op` ∈ {dense,
//! diagonal, sparse, identity, composed (dense ∘ sparse), summed (dense + diagonal)}, `size`
//! ∈ {256, 1024, 4096} (representative 1024) and `density` (open float, default 0.01: the
//! fraction of stored entries per row of the sparse parts); backends `naive` and `faer`.
//!
//! This file owns the probes, the thresholds and the kernel glue. Operators, their generation
//! and the compensated reference are [`operator`]'s; the backends are [`naive`] and
//! [`faer_backend`]. Inputs: the operator's parts, then X (row-major n × k, uniform in
//! [-1, 1)), all digested in that order; `density` is ignored (but still part of the point) by
//! operators without a sparse part.

mod faer_backend;
mod naive;
mod operator;

use std::hint::black_box;

use faer::Mat;
use nbench_schema::{AxisInfo, AxisKind, ParamValue, ProbeInfo, Threshold};

use crate::generate::vec_f64;
use crate::probe::{
    Instance, Kernel, Probe, ProbeError, SetupCtx, Work, cpu_backends, int_axis, str_axis,
};
use faer_backend::FaerOp;
use operator::{KINDS, Operator};

/// Every `linop` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    vec![
        Box::new(Linop::Apply),
        Box::new(Linop::Rapply),
        Box::new(Linop::Vapply),
    ]
}

#[derive(Clone, Copy)]
enum Linop {
    Apply,
    Rapply,
    Vapply,
}

impl Probe for Linop {
    fn info(&self) -> ProbeInfo {
        let (name, description) = match self {
            Linop::Apply => (
                "linop.apply",
                "y = A x for an f64 linear operator (axis op)",
            ),
            Linop::Rapply => (
                "linop.rapply",
                "y = Aᵀ x for an f64 linear operator (axis op)",
            ),
            Linop::Vapply => ("linop.vapply", "Y = A X, X with 8 columns (axis op)"),
        };
        ProbeInfo {
            name: name.to_string(),
            family: "linop".to_string(),
            description: description.to_string(),
            axes: vec![
                str_axis("op", &KINDS, "dense"),
                int_axis("size", &[256, 1024, 4096], 1024),
                AxisInfo {
                    name: "density".to_string(),
                    kind: AxisKind::Float,
                    values: vec![ParamValue::Float(0.01)],
                    representative: ParamValue::Float(0.01),
                    open: true,
                },
            ],
            backends: cpu_backends(&["naive", "faer"]),
            hidden: false,
            reference: None,
        }
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let n = ctx.count("size")?;
        let kind = ctx.text("op")?;
        let density = ctx
            .spec
            .params
            .get("density")
            .and_then(ParamValue::as_f64)
            .filter(|d| *d > 0.0 && *d <= 1.0)
            .ok_or_else(|| {
                ProbeError::BadParam("parameter `density` must be a number in (0, 1]".to_string())
            })?;
        let k = if matches!(self, Linop::Vapply) { 8 } else { 1 };
        let trans = matches!(self, Linop::Rapply);
        let op = operator::generate(ctx, kind, n, density)?;
        let x = vec_f64(&mut ctx.rng, n * k, -1.0, 1.0);
        ctx.digest.f64s(&x);
        let faer = match ctx.spec.backend.as_str() {
            "naive" => None,
            "faer" => Some((
                FaerOp::new(&op, n, k)?,
                Mat::from_fn(n, k, |i, c| x[i * k + c]),
                Mat::zeros(n, k),
            )),
            other => {
                return Err(ProbeError::BadParam(format!(
                    "unknown backend `{other}`; valid backends: naive, faer"
                )));
            }
        };
        let (reference, scale) = op.reference(trans, &x, n, k);
        let worst = scale.iter().copied().fold(0.0, f64::max);
        let (flops, bytes) = op.work(n, k);
        Ok(Instance {
            kernel: Box::new(LinopKernel {
                op,
                trans,
                n,
                k,
                y: vec![0.0; n * k],
                x,
                faer,
                reference,
            }),
            // Each output is a sum of ≤ 2n products: worst-case error n·ε·(|A||X|)_i, typical
            // √n·ε·…; n·ε/4 times the largest |A||X| entry stays above any summation order.
            threshold: Threshold {
                rtol: 4.0 * f64::EPSILON,
                atol: (n as f64 * f64::EPSILON / 4.0 * worst).max(f64::MIN_POSITIVE),
            },
            oracle_kind: "f64_reference".to_string(),
            work: Work {
                elems: (n * k) as f64,
                flops,
                bytes,
            },
        })
    }
}

struct LinopKernel {
    op: Operator,
    trans: bool,
    n: usize,
    k: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    faer: Option<(FaerOp, Mat<f64>, Mat<f64>)>,
    reference: Vec<f64>,
}

impl Kernel for LinopKernel {
    fn run(&mut self) {
        match &mut self.faer {
            Some((op, x, y)) => {
                op.apply(self.trans, black_box(x), y);
                black_box(y);
            }
            None => {
                let x = black_box(&self.x);
                naive::apply(&self.op, self.trans, x, &mut self.y, self.n, self.k);
                black_box(&mut self.y);
            }
        }
    }
    fn output(&self) -> Vec<f64> {
        match &self.faer {
            // Row-major, like X and the reference.
            Some((_, _, y)) => (0..self.n * self.k)
                .map(|idx| y[(idx / self.k, idx % self.k)])
                .collect(),
            None => self.y.clone(),
        }
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(self.reference.clone())
    }
}
