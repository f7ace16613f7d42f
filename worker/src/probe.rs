//! The probe interface every built-in workload implements, and the context it is set up in.
//!
//! This module owns the contract between the attempt and a probe: what a probe declares
//! ([`Probe::info`]), what setup hands back ([`Instance`]), and how a kernel is driven
//! ([`Kernel`]). It must not contain any probe, and it never times or judges anything.

use std::time::Duration;

use nbench_schema::{
    AxisInfo, AxisKind, BackendInfo, Device, ParamValue, ProbeInfo, Spec, Stage, Threshold,
};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::generate::{Digest, rng_for};

/// A benchmarkable workload with one or more backends.
pub trait Probe: Send + Sync {
    /// Name, family, axes, backends (with platform), hidden flag.
    fn info(&self) -> ProbeInfo;
    /// Generates the seeded instance (feeding every input byte into `ctx.digest`) and builds
    /// the kernel for `ctx.spec.backend`. Params are already checked against the axes.
    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError>;
}

/// What a probe gets to build its instance.
pub struct SetupCtx<'a> {
    /// The attempt: params, seed, backend.
    pub spec: &'a Spec,
    /// Seeded from the point only (see [`crate::generate::rng_for`]).
    pub rng: Xoshiro256PlusPlus,
    /// Fed with every input byte, in generation order.
    pub digest: Digest,
    /// Threads the kernel may use.
    pub threads: usize,
}

impl<'a> SetupCtx<'a> {
    /// A fresh context for `spec`.
    pub fn new(spec: &'a Spec, threads: usize) -> Self {
        SetupCtx {
            spec,
            rng: rng_for(&spec.probe, &spec.params, spec.seed),
            digest: Digest::new(),
            threads,
        }
    }

    /// An integer parameter.
    pub fn int(&self, name: &str) -> Result<i64, ProbeError> {
        self.spec
            .params
            .get(name)
            .and_then(ParamValue::as_i64)
            .ok_or_else(|| ProbeError::BadParam(format!("parameter `{name}` must be an integer")))
    }

    /// A non-negative integer parameter as a count.
    pub fn count(&self, name: &str) -> Result<usize, ProbeError> {
        let v = self.int(name)?;
        usize::try_from(v).map_err(|_| {
            ProbeError::BadParam(format!("parameter `{name}` must not be negative, got {v}"))
        })
    }

    /// A string parameter.
    pub fn text(&self, name: &str) -> Result<&'a str, ProbeError> {
        self.spec
            .params
            .get(name)
            .and_then(ParamValue::as_str)
            .ok_or_else(|| ProbeError::BadParam(format!("parameter `{name}` must be a string")))
    }
}

/// A ready-to-run instance.
pub struct Instance {
    /// The kernel under test.
    pub kernel: Box<dyn Kernel>,
    /// The fidelity tolerance.
    pub threshold: Threshold,
    /// `f64_reference`, `exact`, …
    pub oracle_kind: String,
    /// Work per call, for the rate metrics.
    pub work: Work,
}

impl Instance {
    /// An instance of `kernel` judged against its float64 oracle (`oracle_kind`
    /// `f64_reference`) under `threshold`, with no declared work.
    pub fn new(kernel: impl Kernel + 'static, threshold: Threshold) -> Self {
        Instance {
            kernel: Box::new(kernel),
            threshold,
            oracle_kind: "f64_reference".to_string(),
            work: Work::default(),
        }
    }

    /// With declared work per call (the rows then carry throughput, GFLOP/s, bandwidth).
    pub fn work(mut self, work: Work) -> Self {
        self.work = work;
        self
    }
}

/// Work done by one call. Zero means "not declared" and omits the derived metric.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Work {
    /// Elements processed.
    pub elems: f64,
    /// Floating-point operations.
    pub flops: f64,
    /// Bytes moved.
    pub bytes: f64,
}

/// One backend's compiled call on one instance.
pub trait Kernel {
    /// One call. Its result must reach `std::hint::black_box` so it cannot be optimised away.
    fn run(&mut self);
    /// The last call's output widened to f64.
    fn output(&self) -> Vec<f64>;
    /// The reference output from the same inputs; `None` → `fidelity_inconclusive`.
    fn oracle(&self) -> Option<Vec<f64>>;
    /// Called on entering each stage from `fidelity` on (`calib.fault` fires here).
    fn enter_stage(&mut self, _stage: &Stage) {}
    /// The cold call. A kernel that builds itself lazily (CUDA: NVRTC compile and module load)
    /// does so here, so cold time includes it and a build failure ends with its reason.
    fn cold_run(&mut self) -> Result<(), ProbeError> {
        self.run();
        Ok(())
    }
    /// Times `iters` back-to-back calls on the kernel's own clock (CUDA events around the
    /// launches); `None` means the monotonic clock around [`Kernel::run`] is the right one.
    fn timed(&mut self, _iters: u64) -> Option<Duration> {
        None
    }
    /// Where an accelerator kernel ran and what it used; `None` for CPU kernels.
    fn device(&self) -> Option<DeviceFacts> {
        None
    }
}

/// An accelerator kernel's facts for the row.
#[derive(Debug, Clone)]
pub struct DeviceFacts {
    /// The row's `device` block.
    pub device: Device,
    /// The clock [`Kernel::timed`] used, e.g. `cuda_event`.
    pub timer: String,
    /// Peak device memory the attempt used, in bytes.
    pub peak_device_mem: Option<u64>,
}

/// Why setup did not produce an instance.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The backend cannot run here (status `skipped`).
    #[error("{message}")]
    Unsupported {
        /// Stable reason (`missing_cpu_feature`, …).
        reason: String,
        /// One lowercase line.
        message: String,
    },
    /// A parameter value the probe cannot use (status `error`).
    #[error("{0}")]
    BadParam(String),
    /// The environment lacks something (status `env_failed`).
    #[error("{message}")]
    Env {
        /// Stable reason.
        reason: String,
        /// One lowercase line.
        message: String,
    },
    /// Anything else (status `error`).
    #[error("{0}")]
    Failed(String),
}

/// Backends that run on the CPU, by name, in catalogue order.
pub fn cpu_backends(names: &[&str]) -> Vec<BackendInfo> {
    names
        .iter()
        .map(|name| BackendInfo {
            name: name.to_string(),
            platform: "cpu".to_string(),
            requires: Vec::new(),
        })
        .collect()
}

/// An axis of integers.
pub fn int_axis(name: &str, values: &[i64], representative: i64) -> AxisInfo {
    AxisInfo {
        name: name.to_string(),
        kind: AxisKind::Int,
        values: values.iter().map(|&v| ParamValue::Int(v)).collect(),
        representative: ParamValue::Int(representative),
        open: false,
    }
}

/// An axis of names.
pub fn str_axis(name: &str, values: &[&str], representative: &str) -> AxisInfo {
    AxisInfo {
        name: name.to_string(),
        kind: AxisKind::Str,
        values: values
            .iter()
            .map(|v| ParamValue::Str(v.to_string()))
            .collect(),
        representative: ParamValue::Str(representative.to_string()),
        open: false,
    }
}

/// The same axis, accepting any value of its kind.
pub fn open(mut axis: AxisInfo) -> AxisInfo {
    axis.open = true;
    axis
}
