//! A deterministic fake executor for the dispatcher's tests (test builds only): each attempt
//! has a scripted outcome after a virtual duration (tokio's paused clock), so scheduling,
//! one-row-per-attempt, ordering, interruption and internal failures are tested without
//! spawning a process. The fixtures here (a context, a plan, a store) serve `synth_tests` too.
//! It must stay a faithful stand-in: it reports an [`Observed`] like the real executor and lets
//! `synth` turn it into the row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use nbench_schema::{
    Hello, Host, MeasurePolicy, PROTOCOL_VERSION, Scheduler as Regime, Stage, Status,
};
use tokio::sync::watch;

use super::RunContext;
use super::dispatcher::{Execute, Outcome, dispatch};
use super::executor::{Kill, Observed};
use super::synth;
use crate::attempt::Attempt;
use crate::config::{Deadlines, TimeoutsFile};
use crate::progress::Progress;
use crate::scheduler::{Permit, Scheduler};
use crate::store::RunStore;
use crate::sys::Reaped;

/// What a scripted attempt does once its virtual duration has passed.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// Sends a row with this status and exits 0.
    Row(Status),
    /// Exits with this code without a row.
    Exit(i32),
    /// Dies on this signal without a row.
    Signal(i32),
    /// Passes the stage's deadline and is killed.
    Timeout(Stage),
    /// Never finishes on its own (only a cancel ends it).
    Hang,
    /// Never finishes, and ignores the cancel (a worker past SIGKILL, say).
    Stuck,
    /// nbench's own task panics.
    Panic,
}

/// The scripted executor.
#[derive(Default)]
pub struct Fake {
    script: HashMap<String, (Duration, Act)>,
    /// Attempt ids in the order they started.
    pub started: Mutex<Vec<String>>,
}

impl Fake {
    /// Attempt `id` does `act` after `ms` virtual milliseconds (unscripted: a row `ok` at once).
    pub fn with(mut self, id: &str, ms: u64, act: Act) -> Fake {
        self.script
            .insert(id.to_string(), (Duration::from_millis(ms), act));
        self
    }
}

impl Execute for Fake {
    fn execute(
        &self,
        ctx: Arc<RunContext>,
        attempt: Attempt,
        _permit: Permit,
        mut cancel: watch::Receiver<bool>,
    ) -> impl Future<Output = Observed> + Send {
        let (after, act) = self
            .script
            .get(&attempt.id)
            .cloned()
            .unwrap_or((Duration::ZERO, Act::Row(Status::Ok)));
        if let Ok(mut s) = self.started.lock() {
            s.push(attempt.id.clone());
        }
        async move {
            let mut obs = observed();
            if act == Act::Stuck {
                std::future::pending::<()>().await;
            }
            let work = async {
                if act == Act::Hang {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(after).await;
            };
            tokio::select! {
                _ = work => {}
                _ = cancel.wait_for(|c| *c) => {
                    obs.killed = Some(Kill::Interrupted);
                    obs.reaped = Some(exited(None, Some(libc::SIGKILL)));
                    return obs;
                }
            }
            match act {
                Act::Row(status) => {
                    let mut row = synth::bare(
                        &ctx,
                        &attempt,
                        status,
                        synth::failure(Stage::Measure, ""),
                        Utc::now(),
                    );
                    row.failure = None;
                    obs.row = Some(row);
                    obs.stage = Stage::Exit;
                    obs.reaped = Some(exited(Some(0), None));
                }
                Act::Exit(code) => obs.reaped = Some(exited(Some(code), None)),
                Act::Signal(sig) => obs.reaped = Some(exited(None, Some(sig))),
                Act::Timeout(stage) => {
                    obs.stage = stage.clone();
                    obs.killed = Some(Kill::Timeout {
                        stage,
                        limit_s: after.as_secs_f64(),
                    });
                    obs.reaped = Some(exited(None, Some(libc::SIGKILL)));
                }
                Act::Hang | Act::Stuck => unreachable!("never ends on its own"),
                Act::Panic => panic!("scripted panic in {}", attempt.id),
            }
            obs
        }
    }
}

fn exited(exit_code: Option<i32>, signal: Option<i32>) -> Reaped {
    Reaped {
        exit_code,
        signal,
        max_rss: 0,
    }
}

/// An attempt that said hello and is in `measure`, not yet reaped.
pub fn observed() -> Observed {
    let now = Utc::now();
    Observed {
        started_at: now,
        finished_at: now,
        pid: Some(4242),
        spawn_error: None,
        hello: Some(Hello {
            protocol: PROTOCOL_VERSION,
            worker: "fake".into(),
            version: "1".into(),
            build_profile: "release".into(),
        }),
        row: None,
        stage: Stage::Measure,
        protocol_error: None,
        killed: None,
        reaped: None,
        unreaped: false,
        wall_s: 0.1,
        stderr_tail: String::new(),
    }
}

/// A run context with default policy and deadlines.
pub fn ctx() -> Arc<RunContext> {
    Arc::new(RunContext {
        run_id: "fake-run".into(),
        worker: "fake-worker".into(),
        policy: MeasurePolicy::default(),
        deadlines: Deadlines::resolve(&TimeoutsFile::default(), None).expect("default deadlines"),
        host: Host {
            hostname: "h".into(),
            cpu_model: "c".into(),
            nbench_version: "0".into(),
            build_profile: "release".into(),
            git_commit: None,
            git_dirty: None,
        },
        regime: Regime {
            cpu_slots: 1,
            core_groups: vec![vec![0]],
            n_gpus: 0,
            gpu_settle_s: 0.0,
        },
        variant: None,
        cache_dir: None,
        foreign: Default::default(),
        profile: Default::default(),
        shard: None,
    })
}

/// Attempts `a00000..` of one CPU probe.
pub fn plan(n: usize) -> Vec<Attempt> {
    (0..n)
        .map(|i| Attempt {
            index: i,
            id: format!("a{i:05}"),
            probe: "fake.p".into(),
            family: "fake".into(),
            params: Default::default(),
            seed: i as u64,
            backend: "b".into(),
            provider: "native".into(),
            platform: "cpu".into(),
            worker: None,
            worker_args: Vec::new(),
            variant: None,
            policy: None,
        })
        .collect()
}

/// The CPU permit of slot 0.
pub fn permit() -> Permit {
    Permit {
        platform: "cpu".into(),
        slot: 0,
        cpus: vec![0],
        gpu: None,
    }
}

/// Dispatches `plan` over `slots` CPU slots with `fake`; `stop_at` sends stop signals at
/// those virtual times (ms from the start; 0 means already received when dispatch begins).
/// Checks that the rows file holds every row.
pub async fn run(fake: Arc<Fake>, plan: Vec<Attempt>, slots: usize, stop_at: &[u64]) -> Outcome {
    let dir = std::env::temp_dir().join(format!("nbench-fake-{}-{}", std::process::id(), unique()));
    let (_, store) = RunStore::create(&dir, || "fake-run".to_string()).expect("store");
    let groups = (0..slots as u32).map(|c| vec![c]).collect();
    let sched = Scheduler::new(groups, 0, 0.0);
    let early = stop_at.iter().take_while(|&&ms| ms == 0).count();
    let (tx, stops) = watch::channel(early);
    let times: Vec<u64> = stop_at[early..].to_vec();
    let t0 = tokio::time::Instant::now();
    tokio::spawn(async move {
        for (i, ms) in times.into_iter().enumerate() {
            tokio::time::sleep_until(t0 + Duration::from_millis(ms)).await;
            let _ = tx.send(early + i + 1);
        }
        std::future::pending::<()>().await;
    });
    let mut progress = Progress::new(crate::progress::Mode::Quiet, plan.len());
    let out = dispatch(fake, ctx(), plan, sched, stops, &store, &mut progress, None)
        .await
        .expect("dispatch");
    let written = std::fs::read_to_string(store.rows_path()).expect("rows file");
    assert_eq!(
        written.lines().count(),
        out.rows.len(),
        "every row is in the rows file"
    );
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}
