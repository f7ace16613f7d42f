//! The dispatcher: the single event loop of a run. It owns every piece of mutable state — the
//! pending queue, the scheduler, the store, the progress display and the interrupt flag — and
//! is the only writer of rows, so each finished attempt is appended durably before anything
//! else happens. Executors run concurrently and report back here; they share nothing.
//!
//! On Ctrl-C or SIGTERM it broadcasts a cancel (each executor kills its worker's process group
//! and reports an `interrupted` row), then writes an `interrupted` row for every attempt that
//! never started: every planned attempt still yields exactly one row.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use nbench_schema::{Row, Stage, Status};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::RunContext;
use super::executor::execute;
use super::synth;
use crate::attempt::Attempt;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::scheduler::{Permit, Scheduler};
use crate::store::RunStore;

/// How the run ended.
#[derive(Debug)]
pub struct Outcome {
    /// Every row, in completion order.
    pub rows: Vec<Row>,
    pub interrupted: bool,
}

/// Runs `plan` to completion (or interruption), appending each row to `store` as it finishes.
pub async fn dispatch(
    ctx: Arc<RunContext>,
    plan: Vec<Attempt>,
    mut sched: Scheduler,
    store: &mut RunStore,
    progress: &mut Progress,
) -> Result<Outcome> {
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let mut sigint = signal(SignalKind::interrupt())
        .map_err(|e| Error::Runtime(format!("cannot watch SIGINT: {e}")))?;
    let mut sigterm = signal(SignalKind::terminate())
        .map_err(|e| Error::Runtime(format!("cannot watch SIGTERM: {e}")))?;
    let gpu_settle = Duration::from_secs_f64(sched.regime().gpu_settle_s.max(0.0));

    let mut pending: VecDeque<Attempt> = plan.into();
    let mut running: JoinSet<(Attempt, Permit, Row)> = JoinSet::new();
    let mut settling: JoinSet<Permit> = JoinSet::new();
    let mut rows = Vec::new();
    let mut interrupted = false;
    let mut write_error: Option<Error> = None;

    loop {
        if !interrupted {
            // Attempts no resource can ever serve end now, with the reason, in plan order.
            while let Some(i) = pending
                .iter()
                .position(|a| !sched.can_ever_run(&a.platform))
            {
                let a = pending.remove(i).expect("index from position");
                let (reason, message) = sched.unavailable(&a.platform);
                let mut f = synth::failure(Stage::Queued, message);
                f.reason = Some(reason);
                let row = synth::bare(&ctx, &a, Status::EnvFailed, f, chrono::Utc::now());
                record(store, progress, &mut rows, row, &mut write_error);
            }
            while let Some((i, permit)) = sched.pick(pending.iter().map(|a| a.platform.as_str())) {
                let a = pending.remove(i).expect("index from pick");
                progress.started(&a);
                let ctx = ctx.clone();
                let cancel = cancel_rx.clone();
                running.spawn(async move {
                    let obs = execute(&ctx, &a, &permit, cancel).await;
                    let row = synth::row(&ctx, &a, &permit, obs);
                    (a, permit, row)
                });
            }
        }
        if write_error.is_some() && !interrupted {
            interrupted = true;
            let _ = cancel_tx.send(true);
        }
        if running.is_empty() && settling.is_empty() && (pending.is_empty() || interrupted) {
            break;
        }
        tokio::select! {
            Some(done) = running.join_next(), if !running.is_empty() => {
                let (a, permit, row) = done.map_err(|e| Error::Runtime(format!("an attempt task failed: {e}")))?;
                let _ = a;
                if permit.gpu.is_some() && !gpu_settle.is_zero() {
                    settling.spawn(async move {
                        tokio::time::sleep(gpu_settle).await;
                        permit
                    });
                } else {
                    sched.release(&permit);
                }
                record(store, progress, &mut rows, row, &mut write_error);
            }
            Some(Ok(permit)) = settling.join_next(), if !settling.is_empty() => sched.release(&permit),
            _ = sigint.recv(), if !interrupted => {
                interrupted = true;
                progress.note("interrupted: stopping workers, keeping rows so far");
                let _ = cancel_tx.send(true);
            }
            _ = sigterm.recv(), if !interrupted => {
                interrupted = true;
                progress.note("terminated: stopping workers, keeping rows so far");
                let _ = cancel_tx.send(true);
            }
        }
    }
    if interrupted {
        let now = chrono::Utc::now();
        for a in pending.drain(..) {
            let f = synth::failure(Stage::Queued, "run interrupted before this attempt started");
            let row = synth::bare(&ctx, &a, Status::Interrupted, f, now);
            record(store, progress, &mut rows, row, &mut write_error);
        }
    }
    if let Some(e) = write_error {
        return Err(e);
    }
    Ok(Outcome { rows, interrupted })
}

fn record(
    store: &mut RunStore,
    progress: &mut Progress,
    rows: &mut Vec<Row>,
    row: Row,
    err: &mut Option<Error>,
) {
    if err.is_none()
        && let Err(e) = store.append(&row)
    {
        progress.note(&format!("error: {e}"));
        *err = Some(e);
    }
    progress.finished(&row);
    rows.push(row);
}
