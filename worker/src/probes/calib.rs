//! The hidden `calib` family: workloads with known answers that validate nbench itself — time
//! proportional to a parameter (`spin`), a known allocation (`alloc`), a known sleep (`sleep`)
//! and injected faults (`fault`, in [`super::calib_fault`]). `calib.sleep` also has a `sim`
//! backend on platform `cuda`: a sleep that holds a (possibly simulated) device, so GPU
//! scheduling is testable without hardware.
//!
//! This file owns spin, alloc and sleep and the family list. Their outputs are exact integers,
//! checked bit-exactly. Nothing here may hold large buffers outside `run()`: the `alloc` test
//! measures peak RSS against the baseline within 5 %.

use std::hint::black_box;
use std::time::Duration;

use nbench_schema::{AxisInfo, BackendInfo, Device, ProbeInfo, Threshold};

use crate::probe::{
    DeviceFacts, Instance, Kernel, Probe, ProbeError, SetupCtx, Work, cpu_backends, int_axis, open,
};

/// Every `calib` probe.
pub fn probes() -> Vec<Box<dyn Probe>> {
    vec![
        Box::new(Spin),
        Box::new(Alloc),
        Box::new(Sleep),
        Box::new(super::calib_fault::Fault),
    ]
}

/// A `calib` probe's catalogue entry: backend `calib` on `cpu`, hidden.
pub fn info(name: &str, description: &str, axes: Vec<AxisInfo>) -> ProbeInfo {
    ProbeInfo {
        name: name.to_string(),
        family: "calib".to_string(),
        description: description.to_string(),
        axes,
        backends: cpu_backends(&["calib"]),
        hidden: true,
        reference: None,
    }
}

/// An instance checked bit-exactly, with no declared work.
pub fn exact(kernel: Box<dyn Kernel>) -> Instance {
    Instance {
        kernel,
        // Integer-valued outputs: any difference is a bug, not rounding.
        threshold: Threshold {
            rtol: 0.0,
            atol: 0.0,
        },
        oracle_kind: "exact".to_string(),
        work: Work::default(),
    }
}

const LCG_MUL: u64 = 6364136223846793005;
const LCG_ADD: u64 = 1442695040888963407;

/// `NBENCH_CALIB_SCALE` as a factor (default 1); lets slow CI machines shrink spin times.
fn calib_scale() -> Result<f64, ProbeError> {
    match std::env::var("NBENCH_CALIB_SCALE") {
        Err(_) => Ok(1.0),
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| {
                ProbeError::BadParam(format!(
                    "environment variable NBENCH_CALIB_SCALE must be a non-negative number, got `{text}`"
                ))
            }),
    }
}

/// Busy work proportional to `work`.
struct Spin;

struct SpinKernel {
    x0: u64,
    steps: u64,
    x: u64,
}

impl Probe for Spin {
    fn info(&self) -> ProbeInfo {
        let axes = vec![open(int_axis("work", &[1000], 1000))];
        info(
            "calib.spin",
            "a dependent integer recurrence of work × 1000 steps",
            axes,
        )
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        spin_instance(ctx, calib_scale()?)
    }
}

/// Setup with an explicit scale, so tests need not mutate the environment.
pub fn spin_instance(ctx: &mut SetupCtx, scale: f64) -> Result<Instance, ProbeError> {
    let work = ctx.count("work")?;
    use rand_xoshiro::rand_core::Rng;
    let x0 = ctx.rng.next_u64();
    // The scale only changes how long the instance runs, not the instance: digest excludes it.
    ctx.digest.u64(x0);
    ctx.digest.u64(work as u64);
    let steps = (work as f64 * 1000.0 * scale).round() as u64;
    Ok(exact(Box::new(SpinKernel { x0, steps, x: x0 })))
}

impl Kernel for SpinKernel {
    fn run(&mut self) {
        let mut x = black_box(self.x0);
        for _ in 0..black_box(self.steps) {
            // The xor-shift makes the recurrence non-affine, so no closed form can replace it.
            x = x.wrapping_mul(LCG_MUL).wrapping_add(LCG_ADD);
            x ^= x >> 29;
        }
        self.x = black_box(x);
    }
    fn output(&self) -> Vec<f64> {
        vec![(self.x >> 11) as f64]
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        // Written independently (128-bit arithmetic reduced mod 2⁶⁴) to catch a broken kernel.
        let mut x = u128::from(self.x0);
        for _ in 0..self.steps {
            x = (x * u128::from(LCG_MUL) + u128::from(LCG_ADD)) % (1u128 << 64);
            x ^= x >> 29;
        }
        Some(vec![((x as u64) >> 11) as f64])
    }
}

/// A known heap allocation, every page resident.
struct Alloc;

struct AllocKernel {
    bytes: usize,
    pages: usize,
}

const PAGE: usize = 4096;

impl Probe for Alloc {
    fn info(&self) -> ProbeInfo {
        let axes = vec![open(int_axis("mib", &[64], 64))];
        info(
            "calib.alloc",
            "allocates mib MiB and touches every page",
            axes,
        )
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let mib = ctx.count("mib")?;
        let bytes = mib.checked_mul(1 << 20).ok_or_else(|| {
            ProbeError::BadParam(format!("parameter `mib` = {mib} is too large to allocate"))
        })?;
        ctx.digest.u64(mib as u64);
        Ok(exact(Box::new(AllocKernel { bytes, pages: 0 })))
    }
}

impl Kernel for AllocKernel {
    fn run(&mut self) {
        // Uninitialised capacity, so only the touched pages (all of them) become resident.
        let mut v: Vec<u8> = Vec::with_capacity(black_box(self.bytes));
        let mut pages = 0;
        for slot in v.spare_capacity_mut().iter_mut().step_by(PAGE) {
            slot.write(1);
            pages += 1;
        }
        black_box(&mut v);
        self.pages = black_box(pages);
    }
    fn output(&self) -> Vec<f64> {
        vec![self.pages as f64]
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(vec![self.bytes.div_ceil(PAGE) as f64])
    }
}

/// A known sleep.
struct Sleep;

struct SleepKernel {
    ms: u64,
    /// The simulated device held (backend `sim`).
    device: Option<u32>,
}

impl Probe for Sleep {
    fn info(&self) -> ProbeInfo {
        let axes = vec![open(int_axis("ms", &[1], 1))];
        let mut info = info("calib.sleep", "sleeps ms milliseconds", axes);
        info.backends.push(BackendInfo {
            name: "sim".to_string(),
            platform: "cuda".to_string(),
            requires: Vec::new(),
        });
        info
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let ms = ctx.count("ms")? as u64;
        ctx.digest.u64(ms);
        let device = if ctx.spec.backend == "sim" {
            // The device is whatever the runner made visible; without one the attempt did not
            // hold a device, which is exactly what the scheduling tests must catch.
            Some(
                crate::cuda::visible_device().ok_or_else(|| ProbeError::Env {
                    reason: "no_visible_device".to_string(),
                    message: "backend `sim` needs CUDA_VISIBLE_DEVICES set to one device ordinal"
                        .to_string(),
                })?,
            )
        } else {
            None
        };
        Ok(exact(Box::new(SleepKernel { ms, device })))
    }
}

impl Kernel for SleepKernel {
    fn run(&mut self) {
        if self.ms > 0 {
            std::thread::sleep(Duration::from_millis(self.ms));
        }
    }
    fn output(&self) -> Vec<f64> {
        vec![self.ms as f64]
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(vec![self.ms as f64])
    }
    fn device(&self) -> Option<DeviceFacts> {
        let index = self.device?;
        Some(DeviceFacts {
            device: Device {
                kind: "cuda".to_string(),
                name: "simulated".to_string(),
                index: Some(index),
                cores: Some(crate::procfs::affinity()),
                ..Device::default()
            },
            // A sleep is timed on the host clock; only real device kernels use cuda_event.
            timer: "clock_monotonic".to_string(),
            peak_device_mem: None,
        })
    }
}
