//! Turning what the executor observed into exactly one row. A worker's own row is kept (with
//! the runner-owned fields filled in); where the worker produced none, or broke the protocol,
//! or was killed, the row is synthesized with the stage, exit code or signal and stderr tail.
//! This module owns the classification rules; it performs no I/O.

use chrono::{DateTime, Utc};
use nbench_schema::{Failure, Row, SCHEMA_VERSION, Stage, Status, WorkerInfo};

use super::RunContext;
use super::executor::{Kill, Observed};
use super::timestamp::timestamp;
use crate::attempt::Attempt;
use crate::scheduler::Permit;
use crate::sys::signal_name;

/// Text Rust's allocation-failure handler prints before aborting.
const ALLOC_FAILED: &str = "memory allocation of";

/// A row with the attempt's identity and nothing measured.
pub fn bare(
    ctx: &RunContext,
    a: &Attempt,
    status: Status,
    failure: Failure,
    at: DateTime<Utc>,
) -> Row {
    Row {
        schema_version: SCHEMA_VERSION,
        run_id: ctx.run_id.clone(),
        attempt_id: a.id.clone(),
        probe: a.probe.clone(),
        family: a.family.clone(),
        params: a.params.clone(),
        seed: a.seed,
        backend: a.backend.clone(),
        provider: a.provider.clone(),
        platform: a.platform.clone(),
        status,
        failure: Some(failure),
        problem_digest: None,
        metrics: None,
        fidelity: None,
        measurement: None,
        device: None,
        host: Some(ctx.host.clone()),
        worker: None,
        variant: a.variant_or(&ctx.variant),
        reference_backend: None,
        imported: None,
        profile: ctx.profile.row_field(a),
        shard: ctx.shard.clone(),
        started_at: timestamp(at),
        finished_at: timestamp(at),
    }
}

/// A failure with only a stage and message.
pub fn failure(stage: Stage, message: impl Into<String>) -> Failure {
    Failure {
        stage,
        message: message.into(),
        reason: None,
        exit_code: None,
        signal: None,
        stderr_tail: None,
        limit_s: None,
    }
}

/// The one row for an observed attempt.
pub fn row(ctx: &RunContext, a: &Attempt, permit: &Permit, obs: Observed) -> Row {
    let reaped = obs.reaped;
    let exit_code = reaped.and_then(|r| r.exit_code);
    let signal = reaped.and_then(|r| r.signal);
    let tail = (!obs.stderr_tail.is_empty()).then(|| obs.stderr_tail.clone());
    let with_exit = |mut f: Failure| {
        f.exit_code = exit_code;
        f.signal = signal;
        f.stderr_tail = tail.clone();
        f
    };

    let (status, fail, base): (Status, Option<Failure>, Option<Row>) = if let Some(msg) =
        &obs.spawn_error
    {
        let mut f = failure(Stage::Spawn, msg.clone());
        f.reason = Some("worker_unrunnable".into());
        (Status::EnvFailed, Some(f), None)
    } else {
        match (&obs.killed, &obs.protocol_error, obs.row.clone()) {
            // A row that arrived before the interrupt is a finished measurement: keep it.
            (Some(Kill::Interrupted), None, Some(row)) => {
                let status = row.status.clone();
                let fail = row.failure.clone();
                (status, fail, Some(row))
            }
            (Some(Kill::Interrupted), _, _) => (
                Status::Interrupted,
                Some(with_exit(failure(
                    obs.stage.clone(),
                    "run interrupted while this attempt ran; worker process group killed",
                ))),
                None,
            ),
            (Some(Kill::Timeout { stage, limit_s }), _, _) => {
                let mut f = with_exit(failure(
                    stage.clone(),
                    format!(
                        "stage {stage} passed its {limit_s:.1}s deadline; worker process group killed"
                    ),
                ));
                f.limit_s = Some(*limit_s);
                (Status::Timeout, Some(f), None)
            }
            (_, Some(msg), row) => (
                Status::ProtocolError,
                Some(with_exit(failure(obs.stage.clone(), msg.clone()))),
                row,
            ),
            (_, None, Some(row)) => match (exit_code, signal, &obs.killed) {
                (Some(0), _, _) | (_, _, Some(Kill::AfterRow)) => {
                    let status = row.status.clone();
                    let fail = row.failure.clone();
                    (status, fail, Some(row))
                }
                _ => (
                    Status::Crashed,
                    Some(with_exit(failure(
                        Stage::Exit,
                        format!("worker {} after sending its row", ended(exit_code, signal)),
                    ))),
                    Some(row),
                ),
            },
            (_, None, None) => classify_death(&obs, exit_code, signal, with_exit),
        }
    };

    let fail = match fail {
        Some(mut f) if obs.unreaped => {
            f.message.push_str(&format!(
                "; the worker did not exit within {}s of SIGKILL and was left unreaped",
                super::executor::REAP_CAP.as_secs()
            ));
            Some(f)
        }
        other => other,
    };
    let mut out = match base {
        Some(mut r) => {
            r.status = status;
            r.failure = fail;
            // Identity fields are the runner's; a worker that changed them broke the protocol.
            if let Some(why) = identity_mismatch(&r, a) {
                r.status = Status::ProtocolError;
                r.failure = Some(with_exit(failure(Stage::Exit, why)));
            }
            r.schema_version = SCHEMA_VERSION;
            r.run_id = ctx.run_id.clone();
            r.attempt_id = a.id.clone();
            r.family = a.family.clone();
            r.variant = a.variant_or(&ctx.variant);
            r.profile = ctx.profile.row_field(a);
            r.shard = ctx.shard.clone();
            r.host = Some(ctx.host.clone());
            r
        }
        None => {
            let f = fail.unwrap_or_else(|| failure(obs.stage.clone(), "no row"));
            bare(ctx, a, status, f, obs.started_at)
        }
    };
    if let Some(h) = &obs.hello
        && let Some(host) = out.host.as_mut()
    {
        host.build_profile = h.build_profile.clone();
    }
    out.started_at = timestamp(obs.started_at);
    out.finished_at = timestamp(obs.finished_at);
    out.worker = Some(WorkerInfo {
        pid: obs.pid.unwrap_or(0),
        wall_s: obs.wall_s,
        exit_code,
        signal,
        affinity: permit.cpus.clone(),
        slot: Some(permit.slot),
        scheduler: ctx.regime.clone(),
        max_rss_bound: reaped.map(|r| r.max_rss).filter(|&m| m > 0),
        program: Some(a.worker_or(&ctx.worker).display().to_string()),
        command: Some(
            std::iter::once(a.worker_or(&ctx.worker).display().to_string())
                .chain(a.worker_args.iter().cloned())
                .collect(),
        ),
        version: obs
            .hello
            .as_ref()
            .map(|h| format!("{} {}", h.worker, h.version)),
    });
    out
}

fn classify_death(
    obs: &Observed,
    exit_code: Option<i32>,
    signal: Option<i32>,
    with_exit: impl Fn(Failure) -> Failure,
) -> (Status, Option<Failure>, Option<Row>) {
    let stage = obs.stage.clone();
    let alloc_failed = obs.stderr_tail.contains(ALLOC_FAILED);
    let (status, msg) = match (exit_code, signal) {
        (_, Some(s)) if s == libc::SIGABRT && alloc_failed => (
            Status::Oom,
            format!(
                "worker ran out of memory in stage {stage}: an allocation failed and it aborted (SIGABRT)"
            ),
        ),
        (_, Some(s)) if s == libc::SIGKILL => (
            Status::Oom,
            format!(
                "worker was killed by SIGKILL in stage {stage}, which nbench did not send: most likely the kernel's OOM killer"
            ),
        ),
        (_, Some(s)) => (
            Status::Crashed,
            format!(
                "worker was killed by signal {s} ({}) in stage {stage}",
                signal_name(s)
            ),
        ),
        (Some(0), None) if obs.hello.is_none() => (
            Status::ProtocolError,
            "worker exited 0 without a hello or a row".to_string(),
        ),
        (Some(0), None) => (
            Status::ProtocolError,
            format!("worker exited 0 in stage {stage} without writing a row"),
        ),
        (Some(c), None) => (
            Status::Crashed,
            format!("worker exited with code {c} in stage {stage} without a row"),
        ),
        (None, None) => (
            Status::Crashed,
            format!("worker ended in stage {stage} without an exit status"),
        ),
    };
    (status, Some(with_exit(failure(stage, msg))), None)
}

fn ended(code: Option<i32>, signal: Option<i32>) -> String {
    match (code, signal) {
        (_, Some(s)) => format!("was killed by signal {s} ({})", signal_name(s)),
        (Some(c), _) => format!("exited with code {c}"),
        _ => "ended abnormally".to_string(),
    }
}

fn identity_mismatch(r: &Row, a: &Attempt) -> Option<String> {
    let pairs = [
        ("probe", r.probe.as_str(), a.probe.as_str()),
        ("backend", &r.backend, &a.backend),
        ("provider", &r.provider, &a.provider),
        ("platform", &r.platform, &a.platform),
    ];
    for (field, got, want) in pairs {
        if got != want {
            return Some(format!(
                "worker's row has {field} `{got}`, but the attempt is `{want}`"
            ));
        }
    }
    if r.seed != a.seed || r.params != a.params {
        return Some("worker's row does not match the attempt's seed or params".to_string());
    }
    None
}
