//! One stored run, start to finish, for the commands that execute a plan (`run` and `ab`):
//! record the host, prepare the foreign providers' instances, and only then — the plan ready,
//! no stop signal received — create the run directory and write the manifest before the first
//! attempt; dispatch, then write the derived summary beside the
//! rows and rewrite the manifest (status, the summary's counts, the worker's own version) — the
//! manifest also when the dispatcher fails, so a run directory never claims to be `running`
//! after nbench has gone. It does not plan, gate or print verdicts; the commands do.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nbench_schema::{Host, MeasurePolicy, Row};

use super::RunContext;
use super::dispatcher::{Processes, dispatch, stop_signals};
use super::timestamp::timestamp;
use crate::analysis::budget::Fit;
use crate::analysis::pace::Pace;
use crate::analysis::predict::{self, Prediction};
use crate::analysis::summary::{self, Summary};
use crate::attempt::Attempt;
use crate::config::Deadlines;
use crate::error::{Error, Result};
use crate::gpus::GpuSet;
use crate::hostinfo;
use crate::manifest::{Manifest, WorkerFacts};
use crate::planner::SEEDS;
use crate::progress::{self, Progress};
use crate::scheduler::Scheduler;
use crate::store::{self, MANIFEST_FILE, RunStore};
use crate::sys;

/// What a session needs beyond the plan and the scheduler.
pub struct Setup {
    pub store_root: PathBuf,
    /// The run's worker: it serves every attempt without a worker of its own, and it
    /// materialises the instances foreign providers load.
    pub worker: PathBuf,
    /// How the manifest names the worker(s).
    pub worker_label: String,
    pub config_path: Option<PathBuf>,
    pub policy: MeasurePolicy,
    pub deadlines: Deadlines,
    pub gpus: GpuSet,
    /// How progress is shown.
    pub progress: progress::Mode,
    /// The machine-wide benchmark lock to hold for the whole session.
    pub lock: crate::lock::Choice,
    /// The machine checks made before the run, for the manifest; still under way while the
    /// session gathers its provenance.
    pub system: crate::system::Pending,
    /// `--profile`: the profiler and the ids of the attempts it wraps.
    pub profile: Option<(crate::profile::Profiler, Vec<String>)>,
    /// The id of the whole plan, for the manifest.
    pub plan_id: Option<String>,
    /// The shard of the plan this run is, when it is one.
    pub shard: Option<crate::manifest::ShardRecord>,
    /// The plan's predicted wall time (docs/budget.md), for the ETA, the manifest and the
    /// verdict.
    pub forecast: Option<Prediction>,
    /// What `--budget` chose, for the manifest.
    pub budget: Option<Fit>,
    /// Keeps a budgeted run on its budget as it goes; what it did joins `budget` at the end.
    pub pace: Option<Pace>,
}

/// A finished (or interrupted) session.
pub struct Finished {
    pub run_id: String,
    pub dir: PathBuf,
    pub rows_path: PathBuf,
    /// Every row, in completion order.
    pub rows: Vec<Row>,
    /// The derived summary of those rows, as written to `summary.json`.
    pub summary: Summary,
    pub interrupted: bool,
    pub wall_s: f64,
    /// The predicted wall seconds and the actual's relative error against them.
    pub forecast: Option<(f64, f64)>,
}

/// Runs `plan` under `sched` as one stored run; `announce` gets the run id and directory once
/// the manifest is written, before the first attempt (each command prints its own banner, to
/// the stream its output format leaves free).
pub fn execute(
    mut setup: Setup,
    plan: Vec<Attempt>,
    sched: Scheduler,
    announce: impl FnOnce(&str, &Path),
) -> Result<Finished> {
    let _machine = crate::lock::machine(&setup.lock)?;
    // `rustc` and `git` answer while the worker binary is hashed (and the machine checks
    // watch their window): three waits of the start-up taken at once.
    let ((machine, host), plan_record) = std::thread::scope(|s| {
        let asked = s.spawn(|| provenance(&setup.worker));
        let record = super::resume::plan_record(&plan, &setup.worker);
        let answered = asked
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (answered, record)
    });
    let mut probes: Vec<String> = plan.iter().map(|a| a.probe.clone()).collect();
    probes.dedup();
    let mut manifest = Manifest {
        // Set when the run directory is created: its name is the id.
        run_id: String::new(),
        status: "running".into(),
        started_at: timestamp(chrono::Utc::now()),
        finished_at: None,
        nbench_version: host.nbench_version.clone(),
        command_line: std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        machine,
        worker: WorkerFacts {
            path: setup.worker_label.clone(),
            version: None,
            build_profile: None,
        },
        git_commit: host.git_commit.clone(),
        git_dirty: host.git_dirty,
        config_file: setup.config_path.as_ref().map(|p| p.display().to_string()),
        policy: setup.policy.clone(),
        deadlines_s: (&setup.deadlines).into(),
        seeds: SEEDS.to_vec(),
        scheduler: sched.regime(),
        gpus: Some(setup.gpus.clone()),
        planned_attempts: plan.len(),
        probes,
        env: hostinfo::allowed_env(),
        status_counts: Vec::new(),
        providers: Vec::new(),
        plan: Some(plan_record?),
        resumes: Vec::new(),
        // Filled in once the checks running beside this start-up are done.
        system: Vec::new(),
        plan_id: setup.plan_id.clone(),
        shard: setup.shard.clone(),
        merge: None,
        predicted_s: setup.forecast.as_ref().map(|p| p.total_s),
        budget: setup.budget.clone(),
    };
    let foreign = crate::provider::setup::for_run(&plan, &setup.worker, &setup.store_root)?;
    manifest.providers = foreign.facts.clone();
    manifest.system = std::mem::take(&mut setup.system).finish();
    // A stop before this point leaves nothing behind: no directory that later looks like a run.
    if sys::stops() > 0 {
        return Err(Error::Interrupted);
    }
    let (run_id, mut store) = RunStore::create(&setup.store_root, new_run_id)?;
    manifest.run_id = run_id.clone();
    let manifest_path = store.dir().join(MANIFEST_FILE);
    write_first(&manifest_path, &manifest)?;
    let profile = match &setup.profile {
        Some((p, ids)) => crate::profile::Profiling::prepare(p.clone(), ids, store.dir())?,
        None => Default::default(),
    };
    let ctx = context(&run_id, &setup, host, &sched, foreign.foreign, profile);
    announce(&run_id, store.dir());
    let t0 = Instant::now();
    let per_attempt = setup.forecast.as_ref().map(|p| p.per_attempt.clone());
    let pace = setup.pace.take();
    let outcome = run_dispatch(
        ctx,
        plan,
        sched,
        &mut store,
        setup.progress,
        per_attempt,
        pace,
    );
    let wall_s = t0.elapsed().as_secs_f64();

    manifest.finished_at = Some(timestamp(chrono::Utc::now()));
    let mut outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            manifest.status = "failed".into();
            return Err(failed(&manifest_path, &manifest, e));
        }
    };
    if let Some(fit) = manifest.budget.as_mut() {
        fit.paced = outcome.paced.take();
    }
    // The derived summary (ratios, pooled seeds) is computed once, beside the rows it came from;
    // `summary`/`report`/`plot` compute their own when asked for other options, and write none.
    let derived = summary::summarize(&outcome.rows, &summary::Options::default());
    // Both are written even when one fails, so the manifest never stays `running`; either
    // failure then ends the command with exit 4 naming its path.
    let summary_written = store.write_json(summary::SUMMARY_FILE, &derived);
    finish_manifest(&mut manifest, &outcome.rows, &derived, outcome.interrupted);
    let manifest_written = store::write_json_atomic(&manifest_path, &manifest);
    summary_written?;
    manifest_written?;
    Ok(Finished {
        run_id,
        dir: store.dir().to_path_buf(),
        rows_path: store.rows_path().to_path_buf(),
        rows: outcome.rows,
        summary: derived,
        interrupted: outcome.interrupted,
        wall_s,
        forecast: setup
            .forecast
            .as_ref()
            .map(|p| (p.total_s, predict::relative_error(p.total_s, wall_s))),
    })
}

/// The machine and the provenance every row carries: the host, and the git tree holding the
/// worker (the measured code).
pub(super) fn provenance(worker: &Path) -> (hostinfo::Machine, Host) {
    let machine = hostinfo::machine();
    let (git_commit, git_dirty) = hostinfo::git(worker.parent().unwrap_or(Path::new(".")));
    let host = Host {
        hostname: machine.hostname.clone(),
        cpu_model: machine.cpu_model.clone(),
        nbench_version: env!("CARGO_PKG_VERSION").to_string(),
        build_profile: "unknown".to_string(),
        git_commit,
        git_dirty,
    };
    (machine, host)
}

/// What every attempt of the run `run_id` shares, from the session's setup.
pub(super) fn context(
    run_id: &str,
    setup: &Setup,
    host: Host,
    sched: &Scheduler,
    foreign: crate::provider::Foreign,
    profile: crate::profile::Profiling,
) -> Arc<RunContext> {
    Arc::new(RunContext {
        run_id: run_id.to_string(),
        worker: setup.worker.clone(),
        policy: setup.policy.clone(),
        deadlines: setup.deadlines.clone(),
        host,
        regime: sched.regime(),
        variant: None,
        cache_dir: None,
        foreign,
        profile,
        shard: setup
            .shard
            .as_ref()
            .map(crate::manifest::ShardRecord::label),
    })
}

/// The manifest's first write of a session: it is the store's writability check, so a failure
/// is "unwritable" and comes before any attempt starts.
pub(super) fn write_first(path: &Path, manifest: &Manifest) -> Result<()> {
    store::write_json_atomic(path, manifest).map_err(|e| match e {
        Error::WriteFailed { path, source } => Error::Unwritable { path, source },
        other => other,
    })
}

/// Records a failed session in its manifest and returns the dispatcher's error `e`, the cause;
/// a manifest that cannot say so is reported beside it, never silently left `running`.
pub(super) fn failed(path: &Path, manifest: &Manifest, e: Error) -> Error {
    if let Err(w) = store::write_json_atomic(path, manifest) {
        eprintln!("nbench: error: {w}");
    }
    e
}

/// Dispatches `plan` on a fresh async runtime with the real process executor, the stop
/// signals and the chosen progress display: the part of a session `run` and `--resume` share.
pub(super) fn run_dispatch(
    ctx: Arc<RunContext>,
    plan: Vec<Attempt>,
    sched: Scheduler,
    store: &mut RunStore,
    mode: progress::Mode,
    per_attempt: Option<Vec<f64>>,
    pace: Option<Pace>,
) -> Result<super::dispatcher::Outcome> {
    let slots = sched.regime().core_groups.len();
    let mut progress = Progress::new(mode, plan.len());
    if let Some(s) = per_attempt {
        progress = progress.with_forecast(&plan, s, slots);
    }
    // One thread: every task of a run waits on pipes and timers, so more threads only add
    // cross-thread wake-ups and migrations of the workers between cores (a tenth of a
    // millisecond per no-op attempt, `reports/sweep-budget.md`). It is also the main thread,
    // which outlives every worker, as the parent-death signal needs.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    let outcome = rt.block_on(async {
        let stops = stop_signals();
        dispatch(
            Arc::new(Processes),
            ctx,
            plan,
            sched,
            stops,
            store,
            &mut progress,
            pace,
        )
        .await
    });
    // A worker stuck past SIGKILL keeps a blocking reaper thread; it must not keep nbench.
    rt.shutdown_timeout(Duration::from_millis(500));
    progress.finish();
    outcome
}

/// The end-of-run facts: status, the summary's counts per status, and what the worker said of
/// itself.
pub(super) fn finish_manifest(
    manifest: &mut Manifest,
    rows: &[Row],
    summary: &Summary,
    interrupted: bool,
) {
    manifest.status = if interrupted {
        "interrupted"
    } else {
        "complete"
    }
    .into();
    manifest.status_counts = summary
        .status_counts
        .iter()
        .map(|(s, n)| (s.clone(), *n))
        .collect();
    let reported = rows
        .iter()
        .find(|r| r.worker.as_ref().is_some_and(|w| w.version.is_some()));
    if let Some(r) = reported {
        manifest.worker.version = r.worker.as_ref().and_then(|w| w.version.clone());
        manifest.worker.build_profile = r.host.as_ref().map(|h| h.build_profile.clone());
    }
}

/// `YYYYMMDDTHHMMSSZ-xxxxxx`: sorts by start time; the suffix separates runs started in the
/// same second.
pub fn new_run_id() -> String {
    format!(
        "{}-{:06x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        store::durable::random(0) & 0xff_ffff
    )
}
