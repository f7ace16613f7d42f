//! `nbench-worker cuda-check`: compiles every kernel program with NVRTC, no GPU needed, so a
//! kernel that does not compile fails CI. It owns only the loop and the report; the program
//! table and options are [`super::sources`]'s, so CI compiles exactly what attempts compile.

use super::sources::{PROGRAMS, compile};
use super::{CudaError, cubin};

/// Architectures checked: PTX for the oldest virtual architecture the backend supports and a
/// current one, so neither an old-arch limitation nor a new-arch deprecation slips through, and
/// CUBINs for the same two real ones (`sm_90` is the H200's), which is what attempts load.
pub const ARCHS: &[&str] = &["compute_75", "compute_90", "sm_75", "sm_90"];

/// One program's result on one architecture.
#[derive(Debug)]
pub struct Checked {
    pub program: &'static str,
    pub arch: &'static str,
    pub result: Result<usize, CudaError>,
}

/// Compiles every program for every architecture; `Ok(n)` is the PTX or CUBIN size in bytes.
pub fn check_all() -> Vec<Checked> {
    let mut out = Vec::new();
    for p in PROGRAMS {
        for &arch in ARCHS {
            let result = if arch.starts_with("sm_") {
                cubin::compile(p, arch).map(|bin| bin.len())
            } else {
                compile(p, Some(arch)).map(|ptx| ptx.to_src().len())
            };
            out.push(Checked {
                program: p.name,
                arch,
                result,
            });
        }
    }
    out
}
