//! The built-in probes, family by family, and the shared SIMD machinery they are built on.
//!
//! This module only lists the families; each family's root file (`vec`, `tensor`, `space`,
//! `linop`, `semiring`, `graph`, `calib`) lists its own probes, so adding a probe touches that
//! family alone. A family may span files (`vec_*`, `tensor_add`, `semiring_fused`, `linop/`);
//! `simd`, `simd_map`, `simd_fold` and `vmath` hold the instruction-set instantiation, the shared
//! kernel bodies and vectorisable math, no probes.

pub mod calib;
pub mod calib_fault;
pub mod graph;
pub mod linop;
pub mod semiring;
pub mod semiring_fused;
pub mod simd;
pub mod simd_fold;
pub mod simd_map;
pub mod space;
pub mod tensor;
pub mod tensor_add;
pub mod vec;
pub mod vec_activation;
pub mod vec_elementwise;
pub mod vec_extreme;
pub mod vec_reduce;
pub mod vmath;

use crate::probe::Probe;

/// Every built-in probe, family by family.
pub fn all() -> Vec<Box<dyn Probe>> {
    let mut all = vec::probes();
    all.extend(tensor::probes());
    all.extend(space::probes());
    all.extend(linop::probes());
    all.extend(semiring::probes());
    all.extend(graph::probes());
    all.extend(calib::probes());
    all
}

#[cfg(test)]
mod tests;
