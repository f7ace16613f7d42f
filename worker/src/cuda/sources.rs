//! The CUDA kernel sources (`kernels/*.cu`, embedded with `include_str!`) and their NVRTC
//! compilation. A *program* is one source compiled with one set of defines: the semiring
//! source is four programs, one per algebra, so no algebra branches in the inner loop.
//!
//! This module owns the program table and the compile options; it must not touch a device
//! (compiling needs only libnvrtc, which is what lets CI check every kernel without a GPU).

use cudarc::nvrtc::{CompileOptions, Ptx, compile_ptx_with_opts};

use super::CudaError;

/// One compilable program.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    pub name: &'static str,
    pub source: &'static str,
    /// `-D` defines, e.g. `NB_ALGEBRA=1`.
    pub defines: &'static [&'static str],
}

const VEC: &str = include_str!("kernels/vec.cu");
const SEMIRING: &str = include_str!("kernels/semiring.cu");

/// Every program the worker may load.
pub const PROGRAMS: &[Program] = &[
    Program {
        name: "vec",
        source: VEC,
        defines: &[],
    },
    Program {
        name: "semiring_real",
        source: SEMIRING,
        defines: &["NB_ALGEBRA=0"],
    },
    Program {
        name: "semiring_log",
        source: SEMIRING,
        defines: &["NB_ALGEBRA=1"],
    },
    Program {
        name: "semiring_tropical",
        source: SEMIRING,
        defines: &["NB_ALGEBRA=2"],
    },
    Program {
        name: "semiring_euclidean",
        source: SEMIRING,
        defines: &["NB_ALGEBRA=3"],
    },
];

/// The program called `name`.
pub fn program(name: &str) -> Result<&'static Program, CudaError> {
    PROGRAMS.iter().find(|p| p.name == name).ok_or_else(|| {
        let names: Vec<&str> = PROGRAMS.iter().map(|p| p.name).collect();
        CudaError::UnknownProgram(name.to_string(), names.join(", "))
    })
}

/// NVRTC's options for `p`, the architecture aside: the same for PTX and CUBIN.
pub fn options(p: &Program) -> Vec<String> {
    // Fidelity is judged against f64 oracles: keep IEEE division, sqrt and denormals.
    let mut out = vec![
        "--ftz=false".to_string(),
        "--prec-sqrt=true".to_string(),
        "--prec-div=true".to_string(),
    ];
    out.extend(p.defines.iter().map(|d| format!("-D{d}")));
    out
}

/// Compiles `p` to PTX. `arch` is the virtual architecture (`compute_XY`); `None` lets NVRTC
/// pick its default. Attempts load a CUBIN ([`super::cubin`]) and fall back to this PTX only
/// when NVRTC does not know the device's architecture.
pub fn compile(p: &Program, arch: Option<&'static str>) -> Result<Ptx, CudaError> {
    if !super::nvrtc_present() {
        return Err(CudaError::LibraryMissing("libnvrtc"));
    }
    let opts = CompileOptions {
        options: options(p),
        arch,
        name: Some(format!("{}.cu", p.name)),
        ..CompileOptions::default()
    };
    compile_ptx_with_opts(p.source, opts).map_err(|e| CudaError::Compile {
        program: p.name.to_string(),
        log: e.to_string(),
    })
}
