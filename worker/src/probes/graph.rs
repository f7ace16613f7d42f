//! The `graph` family: `graph.ell_aggregate`, message passing over ELL neighbour lists —
//! `out_i = reduce_{j ∈ N(i)} W x_j` for n nodes of exactly d neighbours each, f32 features of
//! width f, edge function linear (W, f × f), reduce `sum` or `max`. Backends `naive` (the
//! definition: one W x_j per edge, then reduce) and `fused` (W applied once per node, not per
//! edge — for `sum` after aggregating, W Σ x_j; for `max` before, max_j (W x)_j — SIMD at the
//! widest instruction set).
//!
//! This file owns the probe, threshold, work and f64 oracle. Inputs, in digest order: the
//! neighbour indices (u32, little-endian), X (n × f, row-major), W (f × f, row-major), uniform
//! in [-1, 1). Declared flops are the fused algorithm's (2·n·f² + n·d·f), so `gflops` never
//! credits the naive backend with redundant work.

use std::hint::black_box;

use nbench_schema::{ProbeInfo, Threshold};
use rand_xoshiro::rand_core::Rng;

use super::simd::{Body, Isa, dispatch, max};
use crate::generate::vec_f32;
use crate::probe::{
    Instance, Kernel, Probe, ProbeError, SetupCtx, Work, cpu_backends, int_axis, str_axis,
};

/// Every `graph` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    vec![Box::new(EllAggregate)]
}

struct EllAggregate;

impl Probe for EllAggregate {
    fn info(&self) -> ProbeInfo {
        ProbeInfo {
            name: "graph.ell_aggregate".to_string(),
            family: "graph".to_string(),
            description: "out_i = reduce over ELL neighbours j of W x_j (sum or max)".to_string(),
            axes: vec![
                int_axis("nodes", &[1024, 16384], 16384),
                int_axis("degree", &[8, 32], 8),
                int_axis("features", &[16, 64], 64),
                str_axis("reduce", &["sum", "max"], "sum"),
            ],
            backends: cpu_backends(&["naive", "fused"]),
            hidden: false,
            reference: None,
        }
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let (n, d, f) = (
            ctx.count("nodes")?,
            ctx.count("degree")?,
            ctx.count("features")?,
        );
        let is_max = match ctx.text("reduce")? {
            "sum" => false,
            "max" => true,
            other => {
                return Err(ProbeError::BadParam(format!(
                    "unknown reduce `{other}`; valid values: sum, max"
                )));
            }
        };
        if n == 0 || n > u32::MAX as usize {
            return Err(ProbeError::BadParam(format!(
                "parameter `nodes` must be in 1..=4294967295, got {n}"
            )));
        }
        let nbr: Vec<u32> = (0..n * d)
            .map(|_| (ctx.rng.next_u64() % n as u64) as u32)
            .collect();
        for &j in &nbr {
            ctx.digest.bytes(&j.to_le_bytes());
        }
        let x = vec_f32(&mut ctx.rng, n * f, -1.0, 1.0);
        let w = vec_f32(&mut ctx.rng, f * f, -1.0, 1.0);
        ctx.digest.f32s(&x);
        ctx.digest.f32s(&w);
        let fused = match ctx.spec.backend.as_str() {
            "naive" => false,
            "fused" => true,
            other => {
                return Err(ProbeError::BadParam(format!(
                    "unknown backend `{other}`; valid backends: naive, fused"
                )));
            }
        };
        let eps = f64::from(f32::EPSILON);
        let terms = if is_max { f } else { d * f } as f64;
        let (nf, df, ff) = (n as f64, d as f64, f as f64);
        Ok(Instance {
            kernel: Box::new(Ell {
                n,
                d,
                f,
                is_max,
                fused,
                isa: Isa::best(),
                out: vec![0.0; n * f],
                scratch: vec![0.0; if fused && is_max { n * f } else { f }],
                nbr,
                x,
                w,
            }),
            // Each output is a sum of `terms` products in [-1, 1) (d·f for sum, f per message
            // for max), summed in different orders by the backends: 4·terms·ε absolute sits well
            // above any order's error (as tensor.matmul).
            threshold: Threshold {
                rtol: 4.0 * eps,
                atol: 4.0 * terms * eps,
            },
            oracle_kind: "f64_reference".to_string(),
            work: Work {
                elems: nf * df,
                flops: 2.0 * nf * ff * ff + nf * df * ff,
                bytes: 4.0 * (nf * df + 2.0 * nf * ff + ff * ff),
            },
        })
    }
}

struct Ell {
    n: usize,
    d: usize,
    f: usize,
    is_max: bool,
    fused: bool,
    /// The `fused` kernel's instruction set, chosen once in setup.
    isa: Isa,
    nbr: Vec<u32>,
    x: Vec<f32>,
    w: Vec<f32>,
    out: Vec<f32>,
    scratch: Vec<f32>,
}

/// `y = W v` for row-major f × f `w`.
#[inline(always)]
fn matvec(w: &[f32], v: &[f32], y: &mut [f32]) {
    for (yk, row) in y.iter_mut().zip(w.chunks_exact(v.len())) {
        *yk = row.iter().zip(v).fold(0.0, |s, (a, b)| s + a * b);
    }
}

/// The fused algorithm, instantiated at the widest instruction set.
struct Fused<'a> {
    e: &'a mut Ell,
}

impl Body for Fused<'_> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        let e = &mut *self.e;
        let (d, f) = (e.d, e.f);
        if e.is_max {
            // Transform every node once, then gather the maxima.
            for (v, y) in e.x.chunks_exact(f).zip(e.scratch.chunks_exact_mut(f)) {
                matvec(&e.w, v, y);
            }
            for (o, nb) in e.out.chunks_exact_mut(f).zip(e.nbr.chunks_exact(d)) {
                o.fill(f32::NEG_INFINITY);
                for &j in nb {
                    let y = &e.scratch[j as usize * f..(j as usize + 1) * f];
                    o.iter_mut().zip(y).for_each(|(a, &b)| *a = max(*a, b));
                }
            }
        } else {
            // Aggregate first, then one transform per node: W Σ x_j = Σ W x_j.
            let agg = &mut e.scratch;
            for (o, nb) in e.out.chunks_exact_mut(f).zip(e.nbr.chunks_exact(d)) {
                agg.fill(0.0);
                for &j in nb {
                    let xj = &e.x[j as usize * f..(j as usize + 1) * f];
                    agg.iter_mut().zip(xj).for_each(|(a, &b)| *a += b);
                }
                matvec(&e.w, agg, o);
            }
        }
    }
}

impl Ell {
    fn naive(&mut self) {
        let (d, f) = (self.d, self.f);
        let msg = &mut self.scratch;
        for (o, nb) in self.out.chunks_exact_mut(f).zip(self.nbr.chunks_exact(d)) {
            o.fill(if self.is_max { f32::NEG_INFINITY } else { 0.0 });
            for &j in nb {
                matvec(&self.w, &self.x[j as usize * f..(j as usize + 1) * f], msg);
                for (a, &m) in o.iter_mut().zip(msg.iter()) {
                    *a = if self.is_max { a.max(m) } else { *a + m };
                }
            }
        }
    }
}

impl Kernel for Ell {
    fn run(&mut self) {
        black_box(&self.x);
        if self.fused {
            dispatch(self.isa, &mut Fused { e: self });
        } else {
            self.naive();
        }
        black_box(&mut self.out);
    }
    fn output(&self) -> Vec<f64> {
        self.out.iter().map(|&v| f64::from(v)).collect()
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        let (d, f) = (self.d, self.f);
        let mut out = vec![0.0f64; self.n * f];
        for (o, nb) in out.chunks_exact_mut(f).zip(self.nbr.chunks_exact(d)) {
            o.fill(if self.is_max { f64::NEG_INFINITY } else { 0.0 });
            for &j in nb {
                let xj = &self.x[j as usize * f..(j as usize + 1) * f];
                for (k, a) in o.iter_mut().enumerate() {
                    let row = &self.w[k * f..(k + 1) * f];
                    let m: f64 = row
                        .iter()
                        .zip(xj)
                        .map(|(&u, &v)| f64::from(u) * f64::from(v))
                        .sum();
                    *a = if self.is_max { a.max(m) } else { *a + m };
                }
            }
        }
        Some(out)
    }
}
