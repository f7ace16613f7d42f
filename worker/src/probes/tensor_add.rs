//! `tensor.add`: element-wise `C = A + B` of square matrices in f32 or f64, as the loop a user
//! writes and through faer's `zip!`.
//!
//! This file owns the probe's inputs, threshold, work and oracle; the element types and the
//! backend list are `tensor`'s. Both backends get the same row-major inputs; faer's
//! column-major copies are made in setup, outside the timed call.

use std::hint::black_box;

use faer::{unzip, zip};
use nbench_schema::{ProbeInfo, Threshold};

use super::tensor::{Elem, FaerOperands, backends, setup_operands};
use crate::probe::{Instance, Kernel, Probe, ProbeError, SetupCtx, Work, int_axis, str_axis};

/// Square `C = A + B`.
pub struct Add;

impl Probe for Add {
    fn info(&self) -> ProbeInfo {
        ProbeInfo {
            name: "tensor.add".to_string(),
            family: "tensor".to_string(),
            description: "element-wise sum of two square matrices C = A + B".to_string(),
            axes: vec![
                int_axis("size", &[100, 1000], 100),
                str_axis("dtype", &["f32", "f64"], "f64"),
            ],
            backends: backends(),
            hidden: false,
            reference: None,
        }
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        setup_operands(ctx, instance::<f32>, instance::<f64>)
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
            c: vec![T::default(); n * n],
            a,
            b,
        }),
        "faer" => Box::new(Faer(FaerOperands::new(n, a, b))),
        other => {
            return Err(ProbeError::BadParam(format!(
                "unknown backend `{other}`; valid backends: naive, faer"
            )));
        }
    };
    let nf = (n * n) as f64;
    Ok(Instance {
        kernel,
        // One correctly rounded add: relative error ≤ ε/2 against the exact f64 sum, and an
        // exact cancellation gives exactly 0, so no atol is needed.
        threshold: Threshold {
            rtol: T::EPS,
            atol: 0.0,
        },
        oracle_kind: "f64_reference".to_string(),
        work: Work {
            elems: nf,
            flops: nf,
            bytes: 3.0 * nf * std::mem::size_of::<T>() as f64,
        },
    })
}

fn oracle<T: Elem>(a: &[T], b: &[T]) -> Vec<f64> {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| x.into() + y.into())
        .collect()
}

/// The loop a user writes over row-major storage.
struct Naive<T> {
    a: Vec<T>,
    b: Vec<T>,
    c: Vec<T>,
}

impl<T: Elem> Kernel for Naive<T> {
    fn run(&mut self) {
        let (a, b) = (black_box(&self.a), black_box(&self.b));
        for ((c, &x), &y) in self.c.iter_mut().zip(a).zip(b) {
            *c = <T as Elem>::add(x, y);
        }
        black_box(&mut self.c);
    }
    fn output(&self) -> Vec<f64> {
        self.c.iter().map(|&x| x.into()).collect()
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(oracle(&self.a, &self.b))
    }
}

/// faer's `zip!` over column-major matrices.
struct Faer<T: Elem>(FaerOperands<T>);

impl<T: Elem> Kernel for Faer<T> {
    fn run(&mut self) {
        let m = &mut self.0;
        let (fa, fb) = (black_box(&m.fa), black_box(&m.fb));
        zip!(&mut m.c, fa, fb).for_each(|unzip!(c, x, y)| *c = <T as Elem>::add(*x, *y));
        black_box(&mut m.c);
    }
    fn output(&self) -> Vec<f64> {
        self.0.output()
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(oracle(&self.0.a, &self.0.b))
    }
}
