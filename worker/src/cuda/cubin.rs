//! Compiling a kernel program straight to machine code (a CUBIN) for the device's own
//! architecture, `sm_XY`, which is what attempts load.
//!
//! Why not PTX: the driver must JIT PTX, and it refuses PTX newer than itself. NVRTC 13.5
//! writes PTX ISA 9.5, which a CUDA 13.0 driver (580) rejects; a CUBIN for the device needs no
//! JIT and loads on any driver of the same major. cudarc compiles only to PTX, so this file
//! drives NVRTC's C API itself, with [`super::sources::options`] so both paths compile alike.
//! It needs only libnvrtc (CI checks it without a GPU) and must not touch a device.

use std::ffi::{CStr, CString};

use cudarc::nvrtc::{result, sys};

use super::CudaError;
use super::sources::{Program, options};

/// Compiles `p` to a CUBIN for `arch` (`sm_90`).
pub fn compile(p: &Program, arch: &str) -> Result<Vec<u8>, CudaError> {
    if !super::nvrtc_present() {
        return Err(CudaError::LibraryMissing("libnvrtc"));
    }
    let fail = |log: String| CudaError::Compile {
        program: p.name.to_string(),
        log,
    };
    let src = CString::new(p.source).map_err(|_| fail("the source holds a NUL byte".into()))?;
    let name = CString::new(format!("{}.cu", p.name)).map_err(|_| fail("bad name".into()))?;
    let prog = result::create_program(&src, Some(&name)).map_err(|e| fail(format!("{e:?}")))?;
    let mut opts = options(p);
    opts.push(format!("--gpu-architecture={arch}"));
    // SAFETY: `prog` was created above and is destroyed once, below, after its last use.
    let out = unsafe { compiled(prog, &opts) };
    // SAFETY: as above; nothing uses `prog` after this.
    let _ = unsafe { result::destroy_program(prog) };
    out.map_err(|log| fail(format!("{log} (options {})", opts.join(" "))))
}

/// # Safety
/// `prog` must be a live program from `create_program`.
unsafe fn compiled(prog: sys::nvrtcProgram, opts: &[String]) -> Result<Vec<u8>, String> {
    if let Err(e) = unsafe { result::compile_program(prog, opts) } {
        let log = unsafe { result::get_program_log(prog) }
            .map(|raw| {
                // SAFETY: NVRTC's log is NUL-terminated.
                unsafe { CStr::from_ptr(raw.as_ptr()) }
                    .to_string_lossy()
                    .into_owned()
            })
            .unwrap_or_default();
        return Err(format!("{e:?}: {}", log.trim()));
    }
    let mut size = 0usize;
    // SAFETY: `size` outlives the call.
    unsafe { sys::nvrtcGetCUBINSize(prog, &mut size) }
        .result()
        .map_err(|e| format!("nvrtcGetCUBINSize: {e:?}"))?;
    let mut cubin = vec![0u8; size];
    // SAFETY: `cubin` has the size NVRTC just reported.
    unsafe { sys::nvrtcGetCUBIN(prog, cubin.as_mut_ptr().cast()) }
        .result()
        .map_err(|e| format!("nvrtcGetCUBIN: {e:?}"))?;
    if cubin.is_empty() {
        return Err(format!("nvrtc produced no cubin for {opts:?}"));
    }
    Ok(cubin)
}
