//! A [`Kernel`] made of closures over a state, and the widening helper float64 oracles use:
//! the short way for a user's probe to hand nbench its backends.
//!
//! This module owns only the adapter; what the closures compute, and the tolerance, are the
//! probe's. It never times anything (the attempt does) and never generates inputs.

use crate::probe::Kernel;

type RunFn<S> = Box<dyn FnMut(&mut S)>;
type ViewFn<S> = Box<dyn Fn(&S) -> Vec<f64>>;

/// A kernel whose call, output and oracle are closures over one state `S` (the inputs and
/// output buffers, built in setup).
///
/// ```
/// use nbench_worker::sdk::*;
/// let mut k = FnKernel::new(vec![1.0f32, 2.0], |v| v.iter_mut().for_each(|x| *x *= 3.0))
///     .with_output(|v| widen(v))
///     .with_oracle(|_| vec![3.0, 6.0]);
/// k.run();
/// assert_eq!(k.output(), vec![3.0, 6.0]);
/// assert_eq!(k.oracle(), Some(vec![3.0, 6.0]));
/// ```
pub struct FnKernel<S> {
    state: S,
    run: RunFn<S>,
    output: Option<ViewFn<S>>,
    oracle: Option<ViewFn<S>>,
}

impl<S: 'static> FnKernel<S> {
    /// A kernel that calls `run` on `state`; the state reaches `black_box` after every call,
    /// so the work cannot be optimised away.
    pub fn new(state: S, run: impl FnMut(&mut S) + 'static) -> Self {
        FnKernel {
            state,
            run: Box::new(run),
            output: None,
            oracle: None,
        }
    }

    /// How the last call's output is read, widened to f64 (without one, the output is empty).
    pub fn with_output(mut self, output: impl Fn(&S) -> Vec<f64> + 'static) -> Self {
        self.output = Some(Box::new(output));
        self
    }

    /// The float64 reference output for the same inputs, computed when fidelity is checked
    /// (not during setup or timing). Without one the row is `fidelity_inconclusive`.
    pub fn with_oracle(mut self, oracle: impl Fn(&S) -> Vec<f64> + 'static) -> Self {
        self.oracle = Some(Box::new(oracle));
        self
    }
}

impl<S: 'static> Kernel for FnKernel<S> {
    fn run(&mut self) {
        (self.run)(&mut self.state);
        std::hint::black_box(&mut self.state);
    }

    fn output(&self) -> Vec<f64> {
        self.output
            .as_ref()
            .map_or_else(Vec::new, |f| f(&self.state))
    }

    fn oracle(&self) -> Option<Vec<f64>> {
        self.oracle.as_ref().map(|f| f(&self.state))
    }
}

/// The values widened to f64: inputs for a float64 oracle, or an f32 output for comparison.
///
/// ```
/// assert_eq!(nbench_worker::sdk::widen(&[0.5f32, -1.0]), vec![0.5f64, -1.0]);
/// ```
pub fn widen<T: Copy + Into<f64>>(values: &[T]) -> Vec<f64> {
    values.iter().map(|&v| v.into()).collect()
}
