//! The `vec` family: element-wise ops, reductions and activations on f32 vectors, each with
//! the straightforward `scalar` loop a user would write.
//!
//! This file owns the family's probes, their thresholds, declared work and float64 oracles.
//! Adding a `vec` probe touches only this file (and its list in [`probes`]). Inputs always come
//! from the seeded generator in `SetupCtx`, never from the backend.

use std::hint::black_box;

use nbench_schema::{BackendInfo, ProbeInfo, Threshold};

use crate::generate::vec_f32;
use crate::probe::{Instance, Kernel, Probe, ProbeError, SetupCtx, Work, int_axis};

const SIZES: [i64; 5] = [100, 1000, 10_000, 100_000, 1_000_000];

/// Every `vec` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    vec![Box::new(Add), Box::new(Dot), Box::new(Softmax)]
}

fn info(name: &str, description: &str) -> ProbeInfo {
    ProbeInfo {
        name: name.to_string(),
        family: "vec".to_string(),
        description: description.to_string(),
        axes: vec![int_axis("size", &SIZES, 100_000)],
        backends: vec![BackendInfo {
            name: "scalar".to_string(),
            platform: "cpu".to_string(),
        }],
        hidden: false,
    }
}

/// Inputs `count` vectors of `size` uniform in [-1, 1), fed to the digest in order.
fn inputs(ctx: &mut SetupCtx, count: usize) -> Result<Vec<Vec<f32>>, ProbeError> {
    let n = ctx.count("size")?;
    let vs: Vec<Vec<f32>> = (0..count)
        .map(|_| vec_f32(&mut ctx.rng, n, -1.0, 1.0))
        .collect();
    for v in &vs {
        ctx.digest.f32s(v);
    }
    Ok(vs)
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// `c = a + b`.
struct Add;

struct AddScalar {
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

impl Probe for Add {
    fn info(&self) -> ProbeInfo {
        info("vec.add", "element-wise sum c = a + b of two f32 vectors")
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let mut v = inputs(ctx, 2)?;
        let b = v.pop().unwrap_or_default();
        let a = v.pop().unwrap_or_default();
        let n = a.len() as f64;
        Ok(Instance {
            kernel: Box::new(AddScalar {
                c: vec![0.0; a.len()],
                a,
                b,
            }),
            // One correctly rounded f32 add: relative error ≤ 2⁻²⁴ ≈ 6e-8; atol covers
            // cancellation to ~0, where the rounded result is exact but tiny refs are noisy.
            threshold: Threshold {
                rtol: 1e-6,
                atol: 1e-7,
            },
            oracle_kind: "f64_reference".to_string(),
            work: Work {
                elems: n,
                flops: n,
                bytes: 12.0 * n,
            },
        })
    }
}

impl Kernel for AddScalar {
    fn run(&mut self) {
        let (a, b) = (black_box(&self.a), black_box(&self.b));
        for ((c, x), y) in self.c.iter_mut().zip(a).zip(b) {
            *c = x + y;
        }
        black_box(&mut self.c);
    }
    fn output(&self) -> Vec<f64> {
        widen(&self.c)
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(
            self.a
                .iter()
                .zip(&self.b)
                .map(|(&x, &y)| f64::from(x) + f64::from(y))
                .collect(),
        )
    }
}

/// `s = Σ a_i b_i`.
struct Dot;

struct DotScalar {
    a: Vec<f32>,
    b: Vec<f32>,
    s: f32,
}

impl Probe for Dot {
    fn info(&self) -> ProbeInfo {
        info(
            "vec.dot",
            "inner product of two f32 vectors, accumulated in f32",
        )
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let mut v = inputs(ctx, 2)?;
        let b = v.pop().unwrap_or_default();
        let a = v.pop().unwrap_or_default();
        let n = a.len() as f64;
        let abs_sum: f64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| (f64::from(x) * f64::from(y)).abs())
            .sum();
        Ok(Instance {
            kernel: Box::new(DotScalar { a, b, s: 0.0 }),
            // The worst-case bound of recursive summation is n·ε·Σ|a_i b_i|; with random-sign
            // terms the error grows like ε·√n·|partial sums| ≈ ε·n/4, and Σ|a_i b_i| ≈ n/4
            // already carries the n, so 4·ε·Σ|a_i b_i| (the bound /n) sits ~8σ above it.
            threshold: Threshold {
                rtol: 1e-5,
                atol: 4.0 * f64::from(f32::EPSILON) * abs_sum,
            },
            oracle_kind: "f64_reference".to_string(),
            work: Work {
                elems: n,
                flops: 2.0 * n,
                bytes: 8.0 * n,
            },
        })
    }
}

impl Kernel for DotScalar {
    fn run(&mut self) {
        let (a, b) = (black_box(&self.a), black_box(&self.b));
        let mut s = 0.0f32;
        for (x, y) in a.iter().zip(b) {
            s += x * y;
        }
        self.s = black_box(s);
    }
    fn output(&self) -> Vec<f64> {
        vec![f64::from(self.s)]
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        let s = self.a.iter().zip(&self.b);
        Some(vec![s.map(|(&x, &y)| f64::from(x) * f64::from(y)).sum()])
    }
}

/// `y = exp(x − max x) / Σ exp(x − max x)`.
struct Softmax;

struct SoftmaxScalar {
    x: Vec<f32>,
    y: Vec<f32>,
}

impl Probe for Softmax {
    fn info(&self) -> ProbeInfo {
        info("vec.softmax", "numerically stable softmax of an f32 vector")
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let x = inputs(ctx, 1)?.pop().unwrap_or_default();
        let n = x.len() as f64;
        Ok(Instance {
            kernel: Box::new(SoftmaxScalar {
                y: vec![0.0; x.len()],
                x,
            }),
            // Every output shares the relative error of the f32 sum of n positive terms:
            // worst case n·ε/2, measured ≈ n·ε/1000 at n = 1e4…1e6 (seeds 0–3), so n·ε/100
            // keeps ~10× margin; 1e-5 covers exp's few-ulp error at small n. Outputs are
            // ≥ e⁻²/n > 0, so atol only guards a zero reference.
            threshold: Threshold {
                rtol: 1e-5 + n * f64::from(f32::EPSILON) / 100.0,
                atol: 1e-12,
            },
            oracle_kind: "f64_reference".to_string(),
            // Per element: subtract, exp (counted as one), accumulate, divide; the max pass is
            // comparisons, not counted.
            work: Work {
                elems: n,
                flops: 4.0 * n,
                bytes: 8.0 * n,
            },
        })
    }
}

impl Kernel for SoftmaxScalar {
    fn run(&mut self) {
        let x = black_box(&self.x);
        let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0f32;
        for (y, &v) in self.y.iter_mut().zip(x) {
            *y = (v - max).exp();
            sum += *y;
        }
        for y in &mut self.y {
            *y /= sum;
        }
        black_box(&mut self.y);
    }
    fn output(&self) -> Vec<f64> {
        widen(&self.y)
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        let x = widen(&self.x);
        let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = x.iter().map(|v| (v - max).exp()).collect();
        let sum: f64 = e.iter().sum();
        Some(e.iter().map(|v| v / sum).collect())
    }
}
