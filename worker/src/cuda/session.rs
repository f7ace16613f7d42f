//! A device session for one attempt: the context and stream on the single device the runner
//! made visible, module loading, CUDA-event timing of the timed region, and the attempt's peak
//! device memory. Kernels in this module's siblings own one session each.
//!
//! It must not be created before [`super::driver_present`] (cudarc panics without a driver),
//! and it never synchronises inside the timed region: only the end event is waited on.

use std::sync::Arc;
use std::time::Duration;

use cudarc::driver::sys::CUevent_flags;
use cudarc::driver::{CudaContext, CudaEvent, CudaFunction, CudaStream};
use cudarc::nvrtc::Ptx;
use nbench_schema::Device;

use super::cubin;
use super::devices::{GpuDevice, list};
use super::sources::{compile, program};
use super::{CudaError, visible_device};
use crate::probe::DeviceFacts;

/// The context, stream and memory high-water mark of one attempt.
pub struct Session {
    pub ctx: Arc<CudaContext>,
    pub stream: Arc<CudaStream>,
    info: Option<GpuDevice>,
    /// Device memory in use once the context existed, before any of our buffers.
    used_at_start: u64,
    peak_used: u64,
}

impl Session {
    /// Opens device 0 of those visible (the runner's `CUDA_VISIBLE_DEVICES` makes that the
    /// device the attempt holds).
    pub fn open() -> Result<Session, CudaError> {
        if !super::driver_present() {
            return Err(CudaError::DriverMissing);
        }
        // Device facts come from the same queries as `nbench-worker gpus`; failures there
        // only cost the row its details.
        let info = list().ok().and_then(|d| d.into_iter().next());
        let ctx = CudaContext::new(0)?;
        // One stream and no concurrent readers: the per-launch event bookkeeping that guards
        // multi-stream use would only add work inside the timed region.
        // SAFETY: this session uses a single stream, so no cross-stream hazards exist.
        unsafe { ctx.disable_event_tracking() };
        let stream = ctx.default_stream();
        let (free, total) = ctx.mem_get_info()?;
        let used = (total - free) as u64;
        Ok(Session {
            ctx,
            stream,
            info,
            used_at_start: used,
            peak_used: used,
        })
    }

    /// Compiles (NVRTC) and loads program `name`, returning its functions in order: a CUBIN
    /// for this device's `sm_XY` (no driver JIT, so an NVRTC newer than the driver is fine),
    /// or PTX when this NVRTC cannot target the device (then the driver JITs it).
    pub fn load(&self, name: &str, functions: &[&str]) -> Result<Vec<CudaFunction>, CudaError> {
        let p = program(name)?;
        let (major, minor) = self.ctx.compute_capability()?;
        let image = match cubin::compile(p, &format!("sm_{major}{minor}")) {
            Ok(bin) => Ptx::from_binary(bin),
            Err(CudaError::Compile { log, .. }) => compile(p, None).map_err(|e| match e {
                CudaError::Compile { program, log: ptx } => CudaError::Compile {
                    program,
                    log: format!("as cubin: {log}; as ptx: {ptx}"),
                },
                other => other,
            })?,
            Err(e) => return Err(e),
        };
        let module = self.ctx.load_module(image)?;
        let mut out = Vec::with_capacity(functions.len());
        for f in functions {
            out.push(module.load_function(f)?);
        }
        Ok(out)
    }

    /// Records current device memory use into the high-water mark.
    pub fn note_memory(&mut self) {
        if let Ok((free, total)) = self.ctx.mem_get_info() {
            self.peak_used = self.peak_used.max((total - free) as u64);
        }
    }

    /// Records the start event of a timed region.
    pub fn begin(&self) -> Result<CudaEvent, CudaError> {
        Ok(self
            .stream
            .record_event(Some(CUevent_flags::CU_EVENT_DEFAULT))?)
    }

    /// Records the end event, waits for it, and returns the time since `start` on the device.
    pub fn end(&self, start: &CudaEvent) -> Result<Duration, CudaError> {
        let end = self
            .stream
            .record_event(Some(CUevent_flags::CU_EVENT_DEFAULT))?;
        end.synchronize()?;
        let ms = start.elapsed_ms(&end)?;
        Ok(Duration::from_secs_f64(f64::from(ms.max(0.0)) / 1e3))
    }

    /// The row's device block and memory figures.
    pub fn facts(&self) -> DeviceFacts {
        let info = self.info.as_ref();
        DeviceFacts {
            device: Device {
                kind: "cuda".to_string(),
                name: info.map_or_else(|| "unknown".to_string(), |d| d.name.clone()),
                index: visible_device(),
                cores: Some(crate::procfs::affinity()),
                driver: info.map(|d| d.driver.clone()),
                memory_bytes: info.map(|d| d.memory_bytes),
                compute_capability: info.map(|d| d.compute_capability.clone()),
                sm_clock_mhz: info.and_then(|d| d.sm_clock_mhz),
                mem_clock_mhz: info.and_then(|d| d.mem_clock_mhz),
            },
            timer: "cuda_event".to_string(),
            peak_device_mem: Some(self.peak_used.saturating_sub(self.used_at_start)),
        }
    }
}

/// Blocks of `threads` covering `n` elements, capped for grid-stride reductions.
pub fn blocks(n: usize, threads: u32, cap: u32) -> u32 {
    let b = n.div_ceil(threads as usize).max(1);
    u32::try_from(b).unwrap_or(u32::MAX).min(cap)
}
