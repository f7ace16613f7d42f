//! One attempt, spec to row: the stages setup → fidelity → warm-up → measure (docs/architecture.md, "The worker protocol", "Measurement").
//!
//! This module owns the order of the stages, the stage events, the status and failure of the
//! row, and catching a probe's panic. It delegates timing to [`crate::measure`], comparison to
//! [`crate::fidelity`] and statistics to [`crate::stats`]; it must not print to stdout except
//! through the [`Emitter`], and it never exits the process.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use nbench_schema::{
    Device, Failure, FidelityStatus, Measurement, Metrics, Row, Spec, Stage, Status,
};

use crate::alloc::measure_peak_memory;
use crate::fidelity::compare;
use crate::measure::{sample, warmup};
use crate::probe::{Instance, ProbeError, SetupCtx, Work};
use crate::protocol::Emitter;
use crate::registry::Registry;
use crate::skeleton::{now_rfc3339, skeleton};
use crate::stats::time_stats;
use crate::validate::{check_params, check_policy};
use crate::{procfs, threads};

/// Why an attempt stopped early: the row's status and failure.
#[derive(Debug)]
struct Halt {
    status: Status,
    // Boxed: the failure is large and halts travel through every `?` of the stages.
    failure: Box<Failure>,
}

impl Halt {
    fn new(status: Status, stage: Stage, message: String, reason: Option<&str>) -> Self {
        Halt {
            status,
            failure: Box::new(Failure {
                stage,
                message,
                reason: reason.map(str::to_string),
                exit_code: None,
                signal: None,
                stderr_tail: None,
                limit_s: None,
            }),
        }
    }

    fn error(stage: Stage, message: String) -> Self {
        Self::new(Status::Error, stage, message, None)
    }

    fn from_probe(e: ProbeError) -> Self {
        let message = e.to_string();
        match e {
            ProbeError::Unsupported { reason, .. } => {
                Self::new(Status::Skipped, Stage::Setup, message, Some(&reason))
            }
            ProbeError::Env { reason, .. } => {
                Self::new(Status::EnvFailed, Stage::Setup, message, Some(&reason))
            }
            ProbeError::BadParam(_) | ProbeError::Failed(_) => Self::error(Stage::Setup, message),
        }
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-text panic payload".to_string())
}

/// Runs `f`, turning a panic into an `error` halt in `stage`.
fn guarded<T>(stage: Stage, f: impl FnOnce() -> T) -> Result<T, Halt> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let text = panic_text(p.as_ref());
        Halt::error(
            stage.clone(),
            format!("the probe panicked in stage {stage}: {text}"),
        )
    })
}

/// Runs the attempt, emits its stage events and finally its row event; returns the row.
pub fn run(spec: &Spec, registry: &Registry, emitter: &mut Emitter) -> Row {
    let started_at = now_rfc3339();
    let baseline_rss = procfs::vm_rss();
    let cores = procfs::affinity();
    let threads = threads::decide(cores.len());
    threads::configure_faer(threads);

    let mut row = skeleton(spec, &started_at);
    row.device = Some(Device {
        kind: "cpu".to_string(),
        name: procfs::cpu_model(),
        index: None,
        cores: Some(cores),
        ..Device::default()
    });
    if spec.platform == "cuda" {
        // Until a kernel reports its device, the row names the one the runner assigned.
        row.device = Some(crate::cuda::assigned_device(row.device.take()));
    }
    let mut metrics = Metrics {
        baseline_rss,
        ..Metrics::default()
    };
    let outcome = stages(spec, registry, emitter, threads, &mut row, &mut metrics);
    let halt = outcome.err().or_else(|| fidelity_verdict(&row));
    if let Some(halt) = halt {
        row.status = halt.status;
        row.failure = Some(*halt.failure);
    }
    row.finished_at = now_rfc3339();
    // The high-water mark is read last so it covers everything the attempt did.
    metrics.peak_rss = procfs::vm_hwm();
    row.metrics = Some(metrics);
    emitter.row(row.clone());
    row
}

/// The status a completed attempt gets from its fidelity comparison.
fn fidelity_verdict(row: &Row) -> Option<Halt> {
    let Some(f) = &row.fidelity else {
        let message = "no float64 oracle for this point; fidelity could not be decided".into();
        return Some(Halt::new(
            Status::FidelityInconclusive,
            Stage::Fidelity,
            message,
            None,
        ));
    };
    match f.status {
        FidelityStatus::Pass => None,
        _ => {
            let rel = f
                .rel_to_tol
                .map_or("non-finite".to_string(), |r| format!("{r:.3e}"));
            let message = format!(
                "output differs from the float64 oracle: rel_to_tol={rel}, n_mismatched={}",
                f.n_mismatched
            );
            Some(Halt::new(
                Status::FidelityFailed,
                Stage::Fidelity,
                message,
                None,
            ))
        }
    }
}

fn stages(
    spec: &Spec,
    registry: &Registry,
    emitter: &mut Emitter,
    threads: usize,
    row: &mut Row,
    metrics: &mut Metrics,
) -> Result<(), Halt> {
    emitter.stage(Stage::Setup);
    let probe = registry.get(&spec.probe).ok_or_else(|| {
        let names = registry.names().join(", ");
        Halt::error(
            Stage::Setup,
            format!("unknown probe `{}`; valid probes: {names}", spec.probe),
        )
    })?;
    let info = probe.info();
    row.family = info.family.clone();
    row.reference_backend = info.reference.clone();
    check_spec(spec, &info)?;

    let mut ctx = SetupCtx::new(spec, threads);
    let t0 = Instant::now();
    let setup = guarded(Stage::Setup, || probe.setup(&mut ctx))?;
    let Instance {
        mut kernel,
        threshold,
        oracle_kind,
        work,
    } = setup.map_err(Halt::from_probe)?;
    metrics.setup_time = Some(t0.elapsed().as_secs_f64());
    row.problem_digest = Some(ctx.digest.hex());

    emitter.stage(Stage::Fidelity);
    let (cold, peak) = guarded(Stage::Fidelity, || {
        kernel.enter_stage(&Stage::Fidelity);
        measure_peak_memory(|| {
            let t = Instant::now();
            let built = kernel.cold_run();
            built.map(|()| t.elapsed().as_secs_f64())
        })
    })?;
    let cold = cold.map_err(|e| {
        let mut halt = Halt::from_probe(e);
        halt.failure.stage = Stage::Fidelity;
        halt
    })?;
    metrics.cold_time = Some(cold);
    metrics.peak_alloc = Some(peak);
    let (out, reference) = guarded(Stage::Fidelity, || (kernel.output(), kernel.oracle()))?;
    row.fidelity = reference.map(|r| compare(&out, &r, threshold, &oracle_kind));
    // The output buffers can be as large as the inputs; free them before measuring.
    drop(out);

    emitter.stage(Stage::Warmup);
    let policy = &spec.policy;
    let warmed = guarded(Stage::Warmup, || {
        kernel.enter_stage(&Stage::Warmup);
        warmup(kernel.as_mut(), policy)
    })?;

    emitter.stage(Stage::Measure);
    let sampled = guarded(Stage::Measure, || {
        kernel.enter_stage(&Stage::Measure);
        sample(kernel.as_mut(), policy, warmed.block)
    })?;
    let stats = time_stats(
        &sampled.samples,
        sampled.iters_per_sample,
        policy.keep_samples,
    );
    if let Some(median) = stats.as_ref().map(|s| s.median).filter(|m| *m > 0.0) {
        rates(metrics, work, median);
    }
    metrics.steady_time = stats;
    let facts = kernel.device();
    let timer = facts
        .as_ref()
        .map_or("clock_monotonic", |f| f.timer.as_str());
    row.measurement = Some(Measurement {
        timer: timer.to_string(),
        warmup_s: policy.warmup_s,
        warmup_iters: warmed.iters,
        warmup_steady_tol: Some(policy.warmup_steady_tol),
        warmup_spent_s: Some(warmed.spent_s),
        sample_target_s: policy.sample_target_s,
        min_samples: policy.min_samples,
        max_samples: policy.max_samples,
        target_rel_ci: policy.target_rel_ci,
        time_cap_s: policy.time_cap_s,
        stop_reason: sampled.stop_reason.to_string(),
        achieved_rel_ci: sampled.achieved_rel_ci,
        cache: policy.cache.clone(),
        threads: u32::try_from(threads).unwrap_or(u32::MAX),
    });
    if let Some(f) = facts {
        metrics.peak_device_mem = f.peak_device_mem;
        row.device = Some(f.device);
    }
    Ok(())
}

/// Throughput, GFLOP/s and bandwidth at the median; undeclared (zero) work is omitted.
fn rates(metrics: &mut Metrics, work: Work, median: f64) {
    let rate = |amount: f64| (amount > 0.0).then(|| amount / median);
    metrics.throughput = rate(work.elems);
    metrics.gflops = rate(work.flops).map(|r| r / 1e9);
    metrics.bandwidth = rate(work.bytes);
}

/// Everything about the spec that can be refused before setup.
fn check_spec(spec: &Spec, info: &nbench_schema::ProbeInfo) -> Result<(), Halt> {
    if spec.provider != "native" {
        let message = format!(
            "provider `{}` is not supported by the native worker; valid providers: native",
            spec.provider
        );
        return Err(Halt::new(
            Status::EnvFailed,
            Stage::Setup,
            message,
            Some("provider_unsupported"),
        ));
    }
    let Some(backend) = info.backends.iter().find(|b| b.name == spec.backend) else {
        let names: Vec<&str> = info.backends.iter().map(|b| b.name.as_str()).collect();
        return Err(Halt::error(
            Stage::Setup,
            format!(
                "unknown backend `{}` for probe {}; valid backends: {}",
                spec.backend,
                info.name,
                names.join(", ")
            ),
        ));
    };
    if backend.platform != spec.platform {
        return Err(Halt::error(
            Stage::Setup,
            format!(
                "backend `{}` of probe {} runs on platform {}, not `{}`",
                backend.name, info.name, backend.platform, spec.platform
            ),
        ));
    }
    check_policy(&spec.policy).map_err(|m| Halt::error(Stage::Setup, m))?;
    check_params(info, &spec.params).map_err(|m| Halt::error(Stage::Setup, m))?;
    // Checked before setup, so a backend the CPU cannot run never executes an instruction.
    match crate::features::missing(&backend.requires) {
        Some(m) if m.starts_with("unknown") => Err(Halt::error(Stage::Setup, m)),
        Some(m) => Err(Halt::new(
            Status::Skipped,
            Stage::Setup,
            format!("{m}, which backend `{}` requires", backend.name),
            Some("missing_cpu_feature"),
        )),
        None => Ok(()),
    }
}
