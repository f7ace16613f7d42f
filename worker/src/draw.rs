//! Seeded draws that feed the problem digest: the one way a probe should make its inputs.
//!
//! Each helper draws from `ctx.rng` *and* feeds the drawn values to `ctx.digest`, in that
//! order, so a probe cannot forget either half (an input missing from the digest would let two
//! backends solve different problems under one digest). The draws are the generator of
//! [`crate::generate`], so the Python SDK (`nbench_py.generate`) reproduces them bit for bit.
//! This module never reads the backend, the clock or an unseeded source.

use crate::generate::{vec_f32, vec_f64};
use crate::probe::SetupCtx;

impl SetupCtx<'_> {
    /// `n` f32 values uniform in `[lo, hi)`, fed to the digest as one array.
    ///
    /// ```
    /// use nbench_worker::sdk::*;
    /// let spec = spec_for("mine.scale", "loop", &[("size", ParamValue::Int(4))], 0);
    /// let mut ctx = SetupCtx::new(&spec, 1);
    /// let x = ctx.uniform_f32(4, -1.0, 1.0);
    /// assert_eq!(x.len(), 4);
    /// assert!(x.iter().all(|v| (-1.0..1.0).contains(v)));
    /// // The same point draws the same values and the same digest.
    /// let mut again = SetupCtx::new(&spec, 1);
    /// assert_eq!(again.uniform_f32(4, -1.0, 1.0), x);
    /// assert_eq!(again.digest.hex(), ctx.digest.hex());
    /// ```
    pub fn uniform_f32(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        let v = vec_f32(&mut self.rng, n, lo, hi);
        self.digest.f32s(&v);
        v
    }

    /// `n` f64 values uniform in `[lo, hi)`, fed to the digest as one array.
    pub fn uniform_f64(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        let v = vec_f64(&mut self.rng, n, lo, hi);
        self.digest.f64s(&v);
        v
    }

    /// A `rows × cols` f32 matrix, row-major, uniform in `[lo, hi)`, fed as one array.
    pub fn matrix_f32(&mut self, rows: usize, cols: usize, lo: f32, hi: f32) -> Vec<f32> {
        self.uniform_f32(rows * cols, lo, hi)
    }

    /// A `rows × cols` f64 matrix, row-major, uniform in `[lo, hi)`, fed as one array.
    pub fn matrix_f64(&mut self, rows: usize, cols: usize, lo: f64, hi: f64) -> Vec<f64> {
        self.uniform_f64(rows * cols, lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::{Digest, rng_for, vec_f32};
    use crate::probe::SetupCtx;
    use nbench_schema::ParamValue;

    #[test]
    fn draws_equal_the_generator_and_feed_the_digest() {
        let spec = crate::sdk::spec_for("vec.add", "scalar", &[("size", ParamValue::Int(8))], 2);
        let mut ctx = SetupCtx::new(&spec, 1);
        let x = ctx.uniform_f32(8, -1.0, 1.0);
        let mut rng = rng_for("vec.add", &spec.params, 2);
        assert_eq!(x, vec_f32(&mut rng, 8, -1.0, 1.0));
        let mut d = Digest::new();
        d.f32s(&x);
        assert_eq!(ctx.digest.hex(), d.hex());
    }
}
