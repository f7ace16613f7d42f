//! The `cuda` platform of the native worker: device enumeration ([`devices`]), the kernel
//! sources and their NVRTC compilation ([`sources`]), a device session with CUDA-event timing
//! and device-memory accounting ([`session`]), and self-contained kernels that probes hand
//! plain input slices to ([`vec`], [`semiring`], [`matmul`]).
//!
//! cudarc is built with `dynamic-loading`: libcuda, libnvrtc and libcublas are opened at run
//! time and its constructors panic when a library is absent. Everything here must therefore
//! check [`driver_present`] / [`nvrtc_present`] before the first cudarc call, and turn every
//! failure into a [`CudaError`] with a stable reason — never a panic. Probes own inputs and
//! oracles; this module never generates data.

pub mod check;
pub mod commands;
pub mod cubin;
pub mod devices;
pub mod kernel;
pub mod libs;
pub mod matmul;
pub mod semiring;
pub mod session;
pub mod sources;
pub mod vec;

use nbench_schema::Device;

use crate::probe::ProbeError;

/// Whether the CUDA driver library can be loaded.
pub fn driver_present() -> bool {
    // SAFETY: only tries to dlopen the library by its candidate names.
    unsafe { cudarc::driver::sys::is_culib_present() }
}

/// Whether libnvrtc can be loaded.
pub fn nvrtc_present() -> bool {
    // SAFETY: as above.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}

/// Whether libcublas can be loaded.
pub fn cublas_present() -> bool {
    // SAFETY: as above.
    unsafe { cudarc::cublas::sys::is_culib_present() }
}

/// Why a CUDA kernel could not be built or run. Each maps to a stable row reason.
#[derive(Debug, thiserror::Error)]
pub enum CudaError {
    #[error(
        "the cuda driver library (libcuda.so) is not installed; cuda attempts need an nvidia driver"
    )]
    DriverMissing,
    #[error("{0} is not installed; cuda attempts need it beside the driver")]
    LibraryMissing(&'static str),
    #[error("nvrtc could not compile kernel program `{program}`: {log}")]
    Compile { program: String, log: String },
    #[error("no kernel program named `{0}`; valid programs: {1}")]
    UnknownProgram(String, String),
    #[error("the cuda driver failed: {0}")]
    Driver(String),
    #[error("cublas failed: {0}")]
    Blas(String),
}

impl CudaError {
    /// The stable reason recorded in the row's failure.
    pub fn reason(&self) -> &'static str {
        match self {
            CudaError::DriverMissing => "cuda_driver_missing",
            CudaError::LibraryMissing(_) => "cuda_library_missing",
            CudaError::Compile { .. } | CudaError::UnknownProgram(..) => "compile_error",
            CudaError::Driver(_) | CudaError::Blas(_) => "cuda_error",
        }
    }
}

impl From<cudarc::driver::DriverError> for CudaError {
    fn from(e: cudarc::driver::DriverError) -> Self {
        CudaError::Driver(e.to_string())
    }
}

impl From<cudarc::cublas::result::CublasError> for CudaError {
    fn from(e: cudarc::cublas::result::CublasError) -> Self {
        CudaError::Blas(e.to_string())
    }
}

impl From<CudaError> for ProbeError {
    fn from(e: CudaError) -> Self {
        ProbeError::Env {
            reason: e.reason().to_string(),
            message: e.to_string(),
        }
    }
}

/// The device the runner assigned through `CUDA_VISIBLE_DEVICES` (one machine ordinal),
/// read back so the row shows the pinning the worker actually saw. `None` when unset or not a
/// single ordinal.
pub fn visible_device() -> Option<u32> {
    std::env::var("CUDA_VISIBLE_DEVICES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
}

/// A `device` block for a `cuda` attempt before any kernel has reported: kind `cuda`, the
/// assigned ordinal, and the CPU cores kept from `cpu` (the host side's pinning).
pub fn assigned_device(cpu: Option<Device>) -> Device {
    Device {
        kind: "cuda".to_string(),
        name: "unknown".to_string(),
        index: visible_device(),
        cores: cpu.and_then(|d| d.cores),
        ..Device::default()
    }
}

#[cfg(test)]
mod tests;
