//! The dispatcher: the single event loop of a run. It owns every piece of mutable state — the
//! pending queue, the scheduler, the store, the progress display and the interrupt flag — and
//! is the only writer of rows: each finished attempt goes to the group commit (`commit`) and
//! is reported only once it is on disk, while the next attempts already start. Executors run
//! concurrently and report back here; they share nothing.
//!
//! On a first stop signal (Ctrl-C, SIGTERM, SIGHUP) it broadcasts a cancel (each executor kills
//! its worker's process group and reports an `interrupted` row, or the row the worker had
//! already sent), then writes an `interrupted` row for every attempt that never started; a
//! second stop ends the run at once, with an `interrupted` row for each attempt still running.
//! A task that fails inside nbench (a panic) becomes that attempt's `error` row. Every planned
//! attempt still yields exactly one row. Executors are given ([`Execute`]), so all of this is
//! tested without processes (`fake`).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nbench_schema::{Row, Stage, Status};
use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};

use super::RunContext;
use super::commit::Commits;
use super::executor::{self, Observed};
use super::synth;
use crate::analysis::pace::{Pace, Paced};
use crate::attempt::Attempt;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::scheduler::{Permit, Scheduler};
use crate::store::RunStore;
use crate::sys;

/// How long a forced stop waits for cancelled executors to kill their groups.
const FORCED_DRAIN: Duration = Duration::from_secs(1);

/// Runs one attempt and reports what it saw; the dispatcher owns everything else. The real
/// one is [`Processes`]; tests give a scripted one, so scheduling and interruption are tested
/// without spawning processes.
pub trait Execute: Send + Sync + 'static {
    /// Runs `attempt` under `permit`; a `true` on `cancel` means stop now.
    fn execute(
        &self,
        ctx: Arc<RunContext>,
        attempt: Attempt,
        permit: Permit,
        cancel: watch::Receiver<bool>,
    ) -> impl Future<Output = Observed> + Send;
}

/// The production executor: one worker process per attempt.
pub struct Processes;

impl Execute for Processes {
    async fn execute(
        &self,
        ctx: Arc<RunContext>,
        attempt: Attempt,
        permit: Permit,
        cancel: watch::Receiver<bool>,
    ) -> Observed {
        executor::execute(&ctx, &attempt, &permit, cancel).await
    }
}

/// How the run ended.
#[derive(Debug)]
pub struct Outcome {
    /// Every row, in completion order.
    pub rows: Vec<Row>,
    pub interrupted: bool,
    /// What pacing did, when the run had a budget.
    pub paced: Option<Paced>,
}

/// The count of stop signals received, as a channel the dispatcher can wait on.
pub fn stop_signals() -> watch::Receiver<usize> {
    let (tx, rx) = watch::channel(sys::stops());
    tokio::spawn(async move {
        // The handlers only count (all a handler may safely do); this turns counts into wakeups.
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        loop {
            tick.tick().await;
            let n = sys::stops();
            if n != *tx.borrow() && tx.send(n).is_err() {
                return;
            }
            if tx.is_closed() {
                return;
            }
        }
    });
    rx
}

/// Runs `plan` to completion (or interruption), appending each row to `store` as it finishes.
/// The first stop signal on `stops` cancels the run; a second ends it at once. With `pace`,
/// each attempt starts under the policy pacing gives it, and pacing hears of each that ends.
#[allow(clippy::too_many_arguments)]
pub async fn dispatch<E: Execute>(
    exec: Arc<E>,
    ctx: Arc<RunContext>,
    plan: Vec<Attempt>,
    mut sched: Scheduler,
    mut stops: watch::Receiver<usize>,
    store: &RunStore,
    progress: &mut Progress,
    mut pace: Option<Pace>,
) -> Result<Outcome> {
    let started = Instant::now();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    // Validated by the command (bounded, finite); a bad value here must not panic a run.
    let gpu_settle = Duration::try_from_secs_f64(sched.regime().gpu_settle_s).unwrap_or_default();

    let mut pending: VecDeque<Attempt> = plan.into();
    let mut running: JoinSet<Row> = JoinSet::new();
    let mut inflight: HashMap<tokio::task::Id, (Attempt, Permit)> = HashMap::new();
    let mut settling: JoinSet<Permit> = JoinSet::new();
    let mut rows = Vec::new();
    let mut interrupted = false;
    let mut forced = false;
    let mut stops_open = true;
    let mut write_error: Option<Error> = None;
    let mut commits = Commits::new(store.writer()?);

    loop {
        let n = *stops.borrow_and_update();
        if n >= 1 && !interrupted {
            interrupted = true;
            progress.note("interrupted: stopping workers, keeping rows so far");
            let _ = cancel_tx.send(true);
        }
        if n >= 2 {
            progress.note("stopped again: ending now");
            forced = true;
            break;
        }
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
                commits.push(row);
            }
            while let Some((i, permit)) = sched.pick(pending.iter().map(|a| a.platform.as_str())) {
                let mut a = pending.remove(i).expect("index from pick");
                if let Some(p) = pace.as_mut() {
                    a.policy = p.start(&a);
                }
                progress.started(&a);
                let (exec, ctx, cancel) = (exec.clone(), ctx.clone(), cancel_rx.clone());
                let (a2, p2) = (a.clone(), permit.clone());
                let task = running.spawn(async move {
                    let obs = exec
                        .execute(ctx.clone(), a2.clone(), p2.clone(), cancel)
                        .await;
                    synth::row(&ctx, &a2, &p2, obs)
                });
                inflight.insert(task.id(), (a, permit));
            }
        }
        if write_error.is_some() && !interrupted {
            interrupted = true;
            let _ = cancel_tx.send(true);
        }
        if running.is_empty()
            && settling.is_empty()
            && !commits.busy()
            && (pending.is_empty() || interrupted)
        {
            break;
        }
        tokio::select! {
            Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                let id = match &done {
                    Ok((id, _)) => *id,
                    Err(e) => e.id(),
                };
                let Some((a, permit)) = inflight.remove(&id) else { continue };
                let row = match done {
                    Ok((_, row)) => row,
                    Err(e) => internal_failure(&ctx, &a, e),
                };
                if let Some(p) = pace.as_mut() {
                    let measured = row.worker.as_ref().map(|w| w.wall_s);
                    p.finish(&a.id, measured, started.elapsed().as_secs_f64());
                    if let Some(left) = p.remaining_s() {
                        progress.paced(left);
                    }
                }
                if permit.gpu.is_some() && !gpu_settle.is_zero() {
                    settling.spawn(async move {
                        tokio::time::sleep(gpu_settle).await;
                        permit
                    });
                } else {
                    sched.release(&permit);
                }
                commits.push(row);
            }
            Some(Ok(permit)) = settling.join_next(), if !settling.is_empty() => sched.release(&permit),
            (batch, result) = commits.done(), if commits.writing() => {
                report(progress, &mut rows, batch, result, &mut write_error);
            }
            changed = stops.changed(), if stops_open => stops_open = changed.is_ok(),
        }
    }
    if forced {
        // Dropping an executor kills its group; wait briefly for that, keep any row that came.
        running.abort_all();
        let _ = tokio::time::timeout(FORCED_DRAIN, async {
            while let Some(done) = running.join_next_with_id().await {
                if let Ok((id, row)) = done
                    && inflight.remove(&id).is_some()
                {
                    commits.push(row);
                }
            }
        })
        .await;
        let now = chrono::Utc::now();
        let mut left: Vec<Attempt> = inflight.into_values().map(|(a, _)| a).collect();
        left.sort_by(|x, y| x.id.cmp(&y.id));
        for a in left {
            let f = synth::failure(
                Stage::Exit,
                "run stopped by a second signal while this attempt ran; worker process group killed",
            );
            let row = synth::bare(&ctx, &a, Status::Interrupted, f, now);
            commits.push(row);
        }
    }
    if interrupted {
        let now = chrono::Utc::now();
        for a in pending.drain(..) {
            let f = synth::failure(Stage::Queued, "run interrupted before this attempt started");
            let row = synth::bare(&ctx, &a, Status::Interrupted, f, now);
            commits.push(row);
        }
    }
    commits
        .flush(|batch, result| report(progress, &mut rows, batch, result, &mut write_error))
        .await;
    if let Some(e) = write_error {
        return Err(e);
    }
    Ok(Outcome {
        rows,
        interrupted,
        paced: pace.as_ref().map(Pace::record),
    })
}

/// The row of an attempt whose task failed inside nbench (a panic): status `error`, with the
/// message; its executor was dropped, which killed the worker's group.
fn internal_failure(ctx: &RunContext, a: &Attempt, e: JoinError) -> Row {
    let why = if e.is_panic() {
        let p = e.into_panic();
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into())
    } else {
        "the attempt's task was cancelled".into()
    };
    let f = synth::failure(
        Stage::Spawn,
        format!(
            "nbench failed internally while running this attempt ({why}); worker process group killed"
        ),
    );
    synth::bare(ctx, a, Status::Error, f, chrono::Utc::now())
}

/// Reports a batch back from the group commit: durable, or the first write error is kept (and
/// said once), the run then stops; its rows are reported either way, as they were measured.
fn report(
    progress: &mut Progress,
    rows: &mut Vec<Row>,
    batch: Vec<Row>,
    result: Result<()>,
    err: &mut Option<Error>,
) {
    if let Err(e) = result
        && err.is_none()
    {
        progress.note(&format!("error: {e}"));
        *err = Some(e);
    }
    for row in batch {
        progress.finished(&row);
        rows.push(row);
    }
}
