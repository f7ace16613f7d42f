//! The result row, schema version 1: one per attempt, successful or not.
//!
//! This module owns the field list, names, units and meaning of a row. It is **frozen**: after
//! the first release only new optional fields may be added (see the crate docs). Units are SI:
//! seconds and bytes; rates are per second. Every optional field is omitted from the JSON when
//! absent, never written as `null`, so "absent" has one spelling.
//!
//! Who writes what: the worker writes everything but `worker` and `host`, which the runner owns
//! (it overwrites them if a worker sends them). A row the runner synthesizes for a worker that
//! died carries no `metrics`, `fidelity` or `measurement`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::params::Params;
use crate::status::{Stage, Status};

/// One attempt's result: `(probe, params, seed, backend, provider, platform)` measured once in a
/// fresh worker process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Row {
    /// Always `1` for this schema. Readers refuse a larger value (see [`crate::parse_row`]).
    pub schema_version: u32,
    /// The run: UTC start time and a short random suffix, `YYYYMMDDTHHMMSSZ-xxxxxx`; sorts by time.
    pub run_id: String,
    /// The attempt within the run: its position in the plan, zero-padded (`a00017`).
    pub attempt_id: String,
    /// The probe, `family.name` (for example `vec.softmax`).
    pub probe: String,
    /// The probe's family, the part of `probe` before the first dot (for example `vec`).
    pub family: String,
    /// The point: at least `size` for sized probes; other axes (`algebra`, `density`, `k`,
    /// `dtype`, `mib` …) as the probe declares them. Sorted by name.
    pub params: Params,
    /// The instance seed, one of the fixed quartet 0, 1, 2, 3.
    pub seed: u64,
    /// The implementation under test (`scalar`, `avx2`, `naive`, `faer`, …).
    pub backend: String,
    /// The framework and environment that ran it: `native` (the Rust worker), `numpy`, `torch`,
    /// or a user's own.
    pub provider: String,
    /// The resource class: `cpu` or `cuda`.
    pub platform: String,
    /// How the attempt ended.
    pub status: Status,
    /// Present iff `status` is not `ok`: what went wrong and where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// xxh3-64 of the instance's input bytes, 16 lowercase hex digits. Equal for every backend
    /// and provider of a point: the proof that they solved the same problem. Absent when the
    /// worker never generated the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem_digest: Option<String>,
    /// Present when anything was measured, including on `fidelity_*` statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    /// Present iff the output was compared with the oracle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<Fidelity>,
    /// The measurement protocol used; present when the worker measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<Measurement>,
    /// What actually ran the attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// Inline provenance of the machine and the measured tree (owned by the runner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    /// The worker process and the scheduler's facts (owned by the runner; always present in a
    /// stored row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<WorkerInfo>,
    /// For interleaved A/B runs: which build produced the row (`baseline` or `candidate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The backend the probe declares as its baseline, when it declares one: summaries give
    /// every backend's speedup against it. Written by the worker from the probe's declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_backend: Option<String>,
    /// Present iff the row was imported from another tool's output (`nbench import`): which
    /// tool, which file, and which statistics it really gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<crate::imported::Imported>,
    /// Present only on the extra attempt `nbench run --profile TOOL` runs per point under a
    /// profiler (owned by the runner): which profiler, how it wrapped the worker and where its
    /// output is. The profiler slows the worker, so such a row is not a measurement to compare:
    /// nbench's readers leave it out of every statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Present only in rows of a sharded run (`nbench run --shard`, owned by the runner): the
    /// shard that measured the row, `M/N` with `M` 0-based (`"1/4"` is the second of four). A
    /// shard is a set of whole points, so every row of a point carries the same value; `nbench
    /// merge` keeps it, which is how a merged run still says where each row came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// When the worker process was started, RFC 3339 UTC.
    pub started_at: String,
    /// When the attempt ended (row received or worker reaped), RFC 3339 UTC.
    pub finished_at: String,
}

/// What went wrong. Present iff the status is not `ok`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Failure {
    /// The stage the attempt was in when it ended.
    pub stage: Stage,
    /// One line, lowercase, naming what happened and, where known, why.
    pub message: String,
    /// A stable machine-readable reason for automation (`provider_env_missing`,
    /// `cuda_driver_missing`, `missing_cpu_feature`, …), when the writer has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The worker's exit code, when it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that ended the worker, when one did (`9` for SIGKILL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// The last bytes of the worker's stderr (bounded, lossily decoded as UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
    /// For `timeout`: the stage deadline that passed, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_s: Option<f64>,
}

/// Everything measured. Every field is optional: a worker reports what it could measure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metrics {
    /// Statistics of the steady-state time of one call, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steady_time: Option<TimeStats>,
    /// The first call after setup, in seconds: caches, page faults, lazy initialisation (and for
    /// CUDA, module load and compilation) included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_time: Option<f64>,
    /// Generating the instance and building the kernel, in seconds (oracle excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_time: Option<f64>,
    /// The worker's own peak resident set (`VmHWM`), read as its last act, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss: Option<u64>,
    /// The worker's resident set after start-up, before setup (`VmRSS`), in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_rss: Option<u64>,
    /// Peak live heap during one call minus the heap live before it, in bytes (counting
    /// global allocator; heap only, not stacks or mmaps made outside the allocator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_alloc: Option<u64>,
    /// Peak device memory in use during the attempt, in bytes (GPU platforms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_device_mem: Option<u64>,
    /// Elements processed per second at the median time (the probe's declared element count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
    /// Billions of floating-point operations per second at the median time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gflops: Option<f64>,
    /// Bytes moved per second at the median time (the probe's declared traffic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<f64>,
}

/// Statistics of per-call time, in seconds, over `n` samples of `iters_per_sample` calls each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimeStats {
    /// Smallest sample.
    pub min: f64,
    /// Median sample.
    pub median: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 when n = 1.
    pub std: f64,
    /// Median absolute deviation from the median (unscaled).
    pub mad: f64,
    /// 25th percentile (linear interpolation between order statistics).
    pub p25: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest sample.
    pub max: f64,
    /// Number of samples.
    pub n: u64,
    /// Calls timed together in one sample; each sample is its total divided by this.
    pub iters_per_sample: u64,
    /// The raw per-call samples in the order taken, when the policy keeps them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Vec<f64>>,
}

/// The comparison of one call's output with the float64 oracle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Fidelity {
    /// `pass` ⟺ `rel_to_tol ≤ 1` and every output is finite.
    pub status: FidelityStatus,
    /// `max |out − ref| / (atol + rtol·|ref|)` over all elements. Absent when it is not a finite
    /// number (an output was NaN or infinite), which is always a `fail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_to_tol: Option<f64>,
    /// `max |out − ref|` over finite elements.
    pub max_abs: f64,
    /// `max |out − ref| / |ref|` over elements with `ref ≠ 0`.
    pub max_rel: f64,
    /// Elements with `|out − ref| > atol + rtol·|ref|`, non-finite outputs included.
    pub n_mismatched: u64,
    /// Elements compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_compared: Option<u64>,
    /// Where the reference came from.
    pub oracle: Oracle,
    /// The tolerance used.
    pub threshold: Threshold,
}

/// Outcome of a fidelity comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FidelityStatus {
    /// Within tolerance everywhere.
    Pass,
    /// Outside tolerance somewhere, or non-finite.
    Fail,
    /// Could not be decided.
    Inconclusive,
}

/// The reference implementation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Oracle {
    /// `f64_reference` (a float64 re-implementation of the probe's maths) or another kind a
    /// later writer adds.
    pub kind: String,
}

/// Tolerance: an element passes when `|out − ref| ≤ atol + rtol·|ref|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Threshold {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Threshold {
    /// Bit-for-bit equality with the oracle.
    pub fn exact() -> Self {
        Threshold {
            rtol: 0.0,
            atol: 0.0,
        }
    }

    /// For outputs that are sums of `terms` products of values in `[-1, 1]` computed in a
    /// type with machine epsilon `eps` (`f32::EPSILON as f64`): `rtol = 4·eps`,
    /// `atol = 4·terms·eps`, above what any summation order reaches.
    pub fn for_sums(terms: usize, eps: f64) -> Self {
        Threshold {
            rtol: 4.0 * eps,
            atol: 4.0 * terms as f64 * eps,
        }
    }
}

/// The measurement protocol the worker followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    /// The clock: `clock_monotonic` (CPU) or `cuda_event`.
    pub timer: String,
    /// Warm-up budget requested, in seconds.
    pub warmup_s: f64,
    /// Calls made during warm-up.
    pub warmup_iters: u64,
    /// The warm-up's steady-state tolerance (`MeasurePolicy::warmup_steady_tol`); absent in
    /// rows from before the rule (their warm-up ran the whole budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_steady_tol: Option<f64>,
    /// Seconds the warm-up took: at most the budget plus one block of calls, less when the
    /// steady-state rule ended it. Absent in rows from before the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_spent_s: Option<f64>,
    /// Calibration target: the duration one sample aims for, in seconds.
    pub sample_target_s: f64,
    /// Minimum samples before the stopping rule may stop.
    pub min_samples: u64,
    /// Maximum samples.
    pub max_samples: u64,
    /// Target relative width of the ~95 % confidence interval of the median.
    pub target_rel_ci: f64,
    /// Sampling time cap, in seconds.
    pub time_cap_s: f64,
    /// Why sampling stopped: `converged`, `time_cap` or `max_samples`.
    pub stop_reason: String,
    /// The relative CI width of the median reached when sampling stopped.
    pub achieved_rel_ci: f64,
    /// Input cache policy: `hot` (one input set reused) or `rotate` (input sets cycled to exceed
    /// the last-level cache).
    pub cache: String,
    /// Threads the kernel was allowed (the size of the worker's core group).
    pub threads: u32,
}

/// What ran the attempt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Device {
    /// `cpu` or `cuda`.
    pub kind: String,
    /// CPU model or GPU name.
    pub name: String,
    /// GPU ordinal as the machine numbers it (before `CUDA_VISIBLE_DEVICES` remapping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The CPU cores the worker was allowed to run on, as it read them back itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<Vec<u32>>,
    /// GPU: the driver's CUDA version, `major.minor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// GPU: total device memory, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// GPU: compute capability, `major.minor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_capability: Option<String>,
    /// GPU: peak SM clock, in MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sm_clock_mhz: Option<u32>,
    /// GPU: peak memory clock, in MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_clock_mhz: Option<u32>,
}

/// Small inline provenance; the full picture is in the run's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    /// The machine's hostname.
    pub hostname: String,
    /// The CPU model string.
    pub cpu_model: String,
    /// The version of the `nbench` that ran the attempt.
    pub nbench_version: String,
    /// The worker's build profile (`release`, `debug`), from its `hello`.
    pub build_profile: String,
    /// The git commit of the measured source tree, when it is a git checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// Whether that tree had uncommitted changes to tracked files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_dirty: Option<bool>,
}

/// The worker process, as the runner saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkerInfo {
    /// The worker's process id.
    pub pid: u32,
    /// From spawn to reap, in seconds, as measured by the runner.
    pub wall_s: f64,
    /// Exit code, when the process exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Terminating signal, when a signal ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// The CPUs the runner pinned the worker to.
    pub affinity: Vec<u32>,
    /// The scheduler slot held: the CPU core-group index, or the GPU device index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u32>,
    /// The scheduling regime of the whole run.
    pub scheduler: Scheduler,
    /// `ru_maxrss` from `wait4`, in bytes: an upper bound on peak RSS (it can include the
    /// pre-exec copy of the orchestrator), and all a worker that died before reporting leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss_bound: Option<u64>,
    /// The worker program that ran (path as spawned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// The worker that produced the row, as the run names it: its whole command line (the
    /// program, then any arguments, e.g. `python3 -m nbench_py serve mybench`); a run with
    /// several workers tells them apart by it. Absent in rows from before several workers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// The worker's name and version from its `hello`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// How a profiled attempt ran (see [`Row::profile`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Profile {
    /// The `--profile` value: `perf-stat`, `perf-record`, `nsys`, `ncu` or `cmd:COMMAND…`.
    pub tool: String,
    /// The profiler's command line, run in front of the worker's own.
    pub wrapper: Vec<String>,
    /// What the profiler wrote, relative to the run directory: the report file for a preset
    /// (`profile/a00012/perf-stat.txt`), the directory the wrapped command ran in for `cmd:`.
    pub artifact: String,
}

/// The scheduler's regime, the same in every row of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Scheduler {
    /// Number of disjoint CPU core groups attempts ran in (1 = the whole machine, serial).
    pub cpu_slots: u32,
    /// The core groups, by slot.
    pub core_groups: Vec<Vec<u32>>,
    /// GPU devices with a lock each.
    pub n_gpus: u32,
    /// Seconds a GPU lock is held after each attempt.
    pub gpu_settle_s: f64,
}
