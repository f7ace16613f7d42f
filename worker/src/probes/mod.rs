//! The built-in probes, one file per family.
//!
//! This module only lists the families; each family file lists its own probes, so adding a
//! probe to a family touches that file alone.

pub mod calib;
pub mod calib_fault;
pub mod tensor;
pub mod vec;

use crate::probe::Probe;

/// Every built-in probe, family by family.
pub fn all() -> Vec<Box<dyn Probe>> {
    let mut all = vec::probes();
    all.extend(tensor::probes());
    all.extend(calib::probes());
    all
}
