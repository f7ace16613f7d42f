//! The executor: one attempt in one worker process. It spawns the worker pinned to its permit,
//! writes the spec, reads events, enforces the per-stage deadline (restarted only when the
//! worker advances a stage), kills the whole process group on a deadline, an interrupt or a
//! protocol violation (and when it is dropped), reaps with `wait4` — waiting a bounded time
//! after a kill, so a worker that will not die costs a row, not the run — and keeps a bounded
//! stderr tail. It reports what it *observed*; turning that into a row is `synth`'s job.
//! It must not touch the store or shared state.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nbench_schema::{Event, Hello, PROTOCOL_VERSION, Row, Spec, Stage};
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};

use super::RunContext;
use super::streams::{MAX_LINE, Out, drain_stderr, preview, read_stdout, tail_text};
use crate::attempt::Attempt;
use crate::scheduler::Permit;
use crate::sys::{self, Reaped};

/// Why the runner killed a worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Kill {
    /// A stage passed its deadline.
    Timeout { stage: Stage, limit_s: f64 },
    /// The run was interrupted.
    Interrupted,
    /// The worker broke the protocol; the message says how.
    Protocol,
    /// The worker sent its row but did not exit in time.
    AfterRow,
}

/// Everything the executor saw of one attempt.
#[derive(Debug, Clone)]
pub struct Observed {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub pid: Option<u32>,
    pub spawn_error: Option<String>,
    pub hello: Option<Hello>,
    pub row: Option<Row>,
    /// The last stage the worker entered (or the runner's own stage around it).
    pub stage: Stage,
    pub protocol_error: Option<String>,
    pub killed: Option<Kill>,
    pub reaped: Option<Reaped>,
    /// Killed, but not reaped within [`REAP_CAP`]: the worker was left behind.
    pub unreaped: bool,
    pub wall_s: f64,
    pub stderr_tail: String,
}

/// How long a killed worker may take to be reaped before the executor gives up on it.
pub const REAP_CAP: Duration = Duration::from_secs(5);

/// Runs `attempt` under `permit` and reports what happened.
pub async fn execute(
    ctx: &RunContext,
    attempt: &Attempt,
    permit: &Permit,
    mut cancel: watch::Receiver<bool>,
) -> Observed {
    let started_at = Utc::now();
    let t0 = Instant::now();
    let mut obs = Observed {
        started_at,
        finished_at: started_at,
        pid: None,
        spawn_error: None,
        hello: None,
        row: None,
        stage: Stage::Spawn,
        protocol_error: None,
        killed: None,
        reaped: None,
        unreaped: false,
        wall_s: 0.0,
        stderr_tail: String::new(),
    };
    let spec = spec_for(ctx, attempt);
    let env = worker_env(permit);
    // A foreign provider's worker is its interpreter running the Python worker script.
    let (worker, args, what) = match ctx.foreign.command(attempt) {
        Some((program, args)) => (
            program,
            args,
            format!("the {} interpreter", attempt.provider),
        ),
        None => (
            attempt.worker_or(&ctx.worker).to_path_buf(),
            attempt.worker_args.clone(),
            "worker".into(),
        ),
    };
    let (worker, args, cwd) = ctx.profile.launch(attempt, worker, args);
    let profiled = ctx.profile.covers(attempt);
    let child = match sys::spawn(&worker, &args, &permit.cpus, &env, cwd.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            obs.spawn_error = Some(format!("cannot start {what} {}: {e}", worker.display()));
            obs.finished_at = Utc::now();
            return obs;
        }
    };
    let pid = child.pid;
    let _group = sys::GroupGuard(pid);
    obs.pid = Some(pid);
    obs.stage = Stage::Handshake;
    let (stdin, stdout, stderr) = (child.stdin, child.stdout, child.stderr);

    let mut wait = tokio::task::spawn_blocking(move || sys::wait4(pid));
    let tail = Arc::new(Mutex::new(Vec::<u8>::new()));
    let stderr_task = tokio::spawn(drain_stderr(stderr, tail.clone()));
    let (tx, mut rx) = mpsc::channel::<Out>(64);
    let stdout_task = tokio::spawn(read_stdout(stdout, tx));
    tokio::spawn(async move {
        if let Ok(mut stdin) = tokio::process::ChildStdin::from_std(stdin) {
            let mut line = serde_json::to_vec(&spec).unwrap_or_default();
            line.push(b'\n');
            // A worker may exit without reading its spec; EPIPE then is its failure, not ours.
            let _ = stdin.write_all(&line).await;
            let _ = stdin.shutdown().await;
        }
    });

    let mut deadline = Some(tokio::time::Instant::now() + ctx.deadlines.for_stage(&obs.stage));
    // Set at the first kill: the reap must come by then, or the worker is left behind.
    let mut reap_by: Option<tokio::time::Instant> = None;
    let kill = |reap_by: &mut Option<tokio::time::Instant>| {
        sys::kill_group(pid);
        reap_by.get_or_insert_with(|| tokio::time::Instant::now() + REAP_CAP);
    };
    let mut stdout_done = false;
    loop {
        if stdout_done && (obs.reaped.is_some() || obs.unreaped) {
            break;
        }
        let now = tokio::time::Instant::now();
        tokio::select! {
            msg = rx.recv(), if !stdout_done => {
                match msg {
                    Some(Out::Line(line)) => {
                        if let Err(why) = on_line(ctx, &line, &mut obs, &mut deadline, profiled) {
                            obs.protocol_error = Some(why);
                            obs.killed.get_or_insert(Kill::Protocol);
                            kill(&mut reap_by);
                            stdout_done = true;
                        }
                    }
                    Some(Out::Eof { partial }) => {
                        stdout_done = true;
                        if !partial.is_empty() && obs.protocol_error.is_none() {
                            obs.protocol_error = Some(format!(
                                "worker's stdout ended in the middle of a line ({} bytes without a newline): {}",
                                partial.len(),
                                preview(&partial)
                            ));
                        }
                    }
                    Some(Out::TooLong) => {
                        obs.protocol_error = Some(format!("worker wrote a stdout line longer than {} MiB", MAX_LINE >> 20));
                        obs.killed.get_or_insert(Kill::Protocol);
                        kill(&mut reap_by);
                        stdout_done = true;
                    }
                    Some(Out::Failed(e)) => {
                        obs.protocol_error = Some(format!("reading worker stdout failed: {e}"));
                        stdout_done = true;
                    }
                    None => stdout_done = true,
                }
            }
            res = &mut wait, if obs.reaped.is_none() => {
                obs.reaped = res.ok().and_then(Result::ok).or(Some(Reaped { exit_code: None, signal: None, max_rss: 0 }));
                obs.wall_s = t0.elapsed().as_secs_f64();
                obs.finished_at = Utc::now();
                // A grandchild may still hold stdout open; give the pipe a moment, not forever.
                let grace = tokio::time::Instant::now() + Duration::from_millis(500);
                deadline = Some(deadline.map_or(grace, |d| d.min(grace)));
            }
            _ = tokio::time::sleep_until(reap_by.unwrap_or(now)), if reap_by.is_some() && obs.reaped.is_none() => {
                obs.unreaped = true;
                obs.wall_s = t0.elapsed().as_secs_f64();
                obs.finished_at = Utc::now();
                stdout_done = true;
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or(now)), if deadline.is_some() => {
                deadline = None;
                if obs.reaped.is_some() {
                    sys::kill_group(pid);
                    stdout_done = true;
                } else if obs.row.is_some() {
                    obs.killed.get_or_insert(Kill::AfterRow);
                    kill(&mut reap_by);
                } else {
                    let limit_s = ctx.deadlines.for_stage(&obs.stage).as_secs_f64();
                    obs.killed.get_or_insert(Kill::Timeout { stage: obs.stage.clone(), limit_s });
                    kill(&mut reap_by);
                    stdout_done = true;
                }
            }
            changed = cancel.changed(), if obs.killed.is_none() => {
                if changed.is_err() || *cancel.borrow() {
                    obs.killed = Some(Kill::Interrupted);
                    kill(&mut reap_by);
                    stdout_done = true;
                }
            }
        }
    }
    // Whatever the worker left behind in its group goes with it (again, on drop: `_group`).
    sys::kill_group(pid);
    stdout_task.abort();
    let _ = tokio::time::timeout(Duration::from_millis(500), stderr_task).await;
    obs.stderr_tail = tail_text(&tail);
    obs
}

fn on_line(
    ctx: &RunContext,
    line: &[u8],
    obs: &mut Observed,
    deadline: &mut Option<tokio::time::Instant>,
    profiled: bool,
) -> Result<(), String> {
    let text = std::str::from_utf8(line)
        .map_err(|_| format!("worker wrote non-UTF-8 to stdout: {}", preview(line)))?;
    // A profiler shares the worker's stdout and may print its own lines there; every protocol
    // event is a JSON object, so under a profiler only lines that start like one are the worker's.
    if text.trim().is_empty() || profiled && !text.trim_start().starts_with('{') {
        return Ok(());
    }
    let event: Event = serde_json::from_str(text).map_err(|e| {
        format!(
            "worker wrote something other than a protocol event to stdout ({e}): {}",
            preview(line)
        )
    })?;
    match event {
        Event::Hello(h) => {
            if obs.hello.is_some() {
                return Err("worker sent a second hello".into());
            }
            if h.protocol != PROTOCOL_VERSION {
                return Err(format!(
                    "worker {} {} speaks protocol {}, but this nbench speaks protocol {PROTOCOL_VERSION}; rebuild the worker with this nbench",
                    h.worker, h.version, h.protocol
                ));
            }
            obs.hello = Some(h);
        }
        _ if obs.hello.is_none() => return Err("worker sent an event before its hello".into()),
        _ if obs.row.is_some() => return Err("worker wrote to stdout after its row".into()),
        // Only an advance restarts the clock: a worker re-sending a stage must still time out.
        Event::Stage { stage } if advances(&obs.stage, &stage) => {
            obs.stage = stage;
            *deadline = Some(tokio::time::Instant::now() + ctx.deadlines.for_stage(&obs.stage));
        }
        Event::Stage { .. } => {}
        Event::Row { row } => {
            obs.row = Some(*row);
            obs.stage = Stage::Exit;
            *deadline = Some(tokio::time::Instant::now() + ctx.deadlines.exit);
        }
    }
    Ok(())
}

/// Whether `next` comes after `now` in a worker's life; a stage this nbench does not know
/// (from a newer worker) is no advance, so it cannot extend a deadline.
pub fn advances(now: &Stage, next: &Stage) -> bool {
    fn rank(s: &Stage) -> Option<u8> {
        Some(match s {
            Stage::Queued => 0,
            Stage::Spawn => 1,
            Stage::Handshake => 2,
            Stage::Setup => 3,
            Stage::Fidelity => 4,
            Stage::Warmup => 5,
            Stage::Measure => 6,
            Stage::Exit => 7,
            _ => return None,
        })
    }
    matches!((rank(now), rank(next)), (Some(a), Some(b)) if b > a)
}

fn spec_for(ctx: &RunContext, a: &Attempt) -> Spec {
    Spec {
        protocol: PROTOCOL_VERSION,
        run_id: ctx.run_id.clone(),
        attempt_id: a.id.clone(),
        probe: a.probe.clone(),
        params: a.params.clone(),
        seed: a.seed,
        backend: a.backend.clone(),
        provider: a.provider.clone(),
        platform: a.platform.clone(),
        policy: a.policy_or(&ctx.policy).clone(),
        variant: a.variant_or(&ctx.variant),
        cache_dir: ctx
            .foreign
            .instance(a)
            .or(ctx.cache_dir.as_deref())
            .map(|p| p.display().to_string()),
        provider_platforms: crate::provider::find(&a.provider)
            .filter(|p| p.foreign)
            .map(|p| p.platforms.iter().map(|s| s.to_string()).collect()),
    }
}

fn worker_env(permit: &Permit) -> Vec<(String, String)> {
    let n = permit.cpus.len().max(1).to_string();
    let mut env: Vec<(String, String)> = sys::THREAD_VARS
        .iter()
        .map(|k| (k.to_string(), n.clone()))
        .collect();
    if let Some(g) = permit.gpu {
        env.push(("CUDA_VISIBLE_DEVICES".into(), g.to_string()));
    }
    env
}
