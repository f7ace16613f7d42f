//! GPU enumeration for `nbench-worker gpus`: what devices the CUDA driver sees, with name,
//! memory, driver version and clocks. This is the short-lived helper the orchestrator runs so
//! that it never opens a CUDA context itself.
//!
//! It must not create a context (cuInit and device queries only) and must never call into
//! cudarc before [`super::driver_present`] says the library can be loaded: cudarc panics then.

use cudarc::driver::result;
use cudarc::driver::sys::{CUdevice_attribute, CUresult, cuDriverGetVersion};
use serde::Serialize;

/// One device as the driver numbers it (before any `CUDA_VISIBLE_DEVICES` remapping applies to
/// the worker's children; the helper itself runs with the orchestrator's environment).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GpuDevice {
    pub index: u32,
    pub name: String,
    pub memory_bytes: u64,
    /// `major.minor` of the driver's CUDA version, e.g. `12.8`.
    pub driver: String,
    /// `major.minor` compute capability.
    pub compute_capability: String,
    pub sm_clock_mhz: Option<u32>,
    pub mem_clock_mhz: Option<u32>,
}

/// Why no device could be listed.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("the cuda driver library (libcuda.so) is not installed")]
    DriverMissing,
    #[error("the cuda driver failed: {0}")]
    Driver(String),
}

impl GpuError {
    /// The stable reason recorded in rows and the manifest.
    pub fn reason(&self) -> &'static str {
        match self {
            GpuError::DriverMissing => "cuda_driver_missing",
            GpuError::Driver(_) => "cuda_driver_error",
        }
    }
}

/// The driver's CUDA version as `major.minor`.
pub fn driver_version() -> Result<String, GpuError> {
    if !super::driver_present() {
        return Err(GpuError::DriverMissing);
    }
    let mut v = 0i32;
    // SAFETY: the library is present (checked above) and `v` outlives the call.
    let r = unsafe { cuDriverGetVersion(&mut v) };
    if r != CUresult::CUDA_SUCCESS {
        return Err(GpuError::Driver(format!(
            "cuDriverGetVersion returned {r:?}"
        )));
    }
    Ok(format!("{}.{}", v / 1000, (v % 1000) / 10))
}

/// Every device the driver sees.
pub fn list() -> Result<Vec<GpuDevice>, GpuError> {
    let driver = driver_version()?;
    let err = |e: result::DriverError| GpuError::Driver(e.to_string());
    result::init().map_err(err)?;
    let n = result::device::get_count().map_err(err)?;
    let mut out = Vec::new();
    for i in 0..n {
        let dev = result::device::get(i).map_err(err)?;
        // SAFETY: `dev` was returned by `device::get` above.
        let attr = |a| unsafe { result::device::get_attribute(dev, a) }.ok();
        // SAFETY: as above.
        let memory = unsafe { result::device::total_mem(dev) }.map_err(err)?;
        let mhz = |khz: Option<i32>| khz.and_then(|k| u32::try_from(k / 1000).ok());
        out.push(GpuDevice {
            index: i as u32,
            name: result::device::get_name(dev).map_err(err)?,
            memory_bytes: memory as u64,
            driver: driver.clone(),
            compute_capability: format!(
                "{}.{}",
                attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR).unwrap_or(0),
                attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR).unwrap_or(0)
            ),
            sm_clock_mhz: mhz(attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_CLOCK_RATE)),
            mem_clock_mhz: mhz(attr(
                CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE,
            )),
        });
    }
    Ok(out)
}
