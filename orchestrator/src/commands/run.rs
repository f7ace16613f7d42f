//! `nbench run`: resolve configuration, find the worker and its catalogue, plan, check the
//! store is writable, then hand the plan to the dispatcher and print the verdict. The manifest
//! is written before the first attempt and replaced at the end.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use nbench_schema::{Host, exit};

use super::prepare::{self, Planned, Settings, SlotDefault};
use crate::analysis::summary;
use crate::cli::{Cli, RunArgs};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, WorkerFacts};
use crate::planner::SEEDS;
use crate::progress::Progress;
use crate::runner::RunContext;
use crate::runner::dispatcher::dispatch;
use crate::runner::synth::timestamp;
use crate::store::{MANIFEST_FILE, RunStore};
use crate::{hostinfo, locate, verdict};

/// Default store directory, relative to the working directory.
pub const DEFAULT_STORE: &str = "results/store";

/// Runs `nbench run`.
pub fn run(cli: &Cli, args: &RunArgs) -> Result<i32> {
    let Settings {
        file,
        config_path,
        policy,
        deadlines,
    } = prepare::settings(cli, &args.plan, args.no_samples.then_some(false))?;
    let worker = locate::worker(args.worker.worker.as_deref())?;
    let Planned {
        plan,
        sched,
        gpus: gpu_set,
        store_root,
    } = prepare::plan(&args.plan, &file, &worker, SlotDefault::Config)?;

    if args.plan.dry_run {
        prepare::print_plan(&plan);
        return Ok(exit::SUCCESS);
    }

    let run_id = new_run_id();
    let mut store = RunStore::create(&store_root, &run_id)?;
    let machine = hostinfo::machine();
    let (git_commit, git_dirty) =
        hostinfo::git(worker.parent().unwrap_or(std::path::Path::new(".")));
    let host = Host {
        hostname: machine.hostname.clone(),
        cpu_model: machine.cpu_model.clone(),
        nbench_version: env!("CARGO_PKG_VERSION").to_string(),
        build_profile: "unknown".to_string(),
        git_commit: git_commit.clone(),
        git_dirty,
    };
    let mut probes: Vec<String> = plan.iter().map(|a| a.probe.clone()).collect();
    probes.dedup();
    let started = chrono::Utc::now();
    let mut manifest = Manifest {
        run_id: run_id.clone(),
        status: "running".into(),
        started_at: timestamp(started),
        finished_at: None,
        nbench_version: host.nbench_version.clone(),
        command_line: std::env::args().collect(),
        machine,
        worker: WorkerFacts {
            path: worker.display().to_string(),
            version: None,
            build_profile: None,
        },
        git_commit,
        git_dirty,
        config_file: config_path.map(|p| p.display().to_string()),
        policy: policy.clone(),
        deadlines_s: (&deadlines).into(),
        seeds: SEEDS.to_vec(),
        scheduler: sched.regime(),
        gpus: Some(gpu_set),
        planned_attempts: plan.len(),
        probes,
        env: hostinfo::allowed_env(),
        status_counts: Vec::new(),
        providers: Vec::new(),
    };
    let foreign = crate::provider::setup::for_run(&plan, &worker, &store_root)?;
    manifest.providers = foreign.facts.clone();
    let manifest_path = store.dir().join(MANIFEST_FILE);
    store
        .write_json(MANIFEST_FILE, &manifest)
        .map_err(|e| match e {
            Error::WriteFailed { path, source } => Error::Unwritable { path, source },
            other => other,
        })?;

    let ctx = Arc::new(RunContext {
        run_id: run_id.clone(),
        worker,
        policy,
        deadlines,
        host,
        regime: sched.regime(),
        variant: None,
        cache_dir: None,
        foreign: foreign.foreign,
    });
    let total = plan.len();
    println!("run {run_id}: {total} attempts → {}", store.dir().display());
    let mut progress = Progress::new(total);
    let t0 = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    let outcome = rt.block_on(dispatch(ctx, plan, sched, &mut store, &mut progress));
    progress.finish();
    let wall = t0.elapsed().as_secs_f64();

    manifest.finished_at = Some(timestamp(chrono::Utc::now()));
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            manifest.status = "failed".into();
            let _ = crate::store::write_json_atomic(&manifest_path, &manifest);
            return Err(e);
        }
    };
    manifest.status = if outcome.interrupted {
        "interrupted"
    } else {
        "complete"
    }
    .into();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &outcome.rows {
        *counts.entry(r.status.to_string()).or_default() += 1;
    }
    manifest.status_counts = counts.into_iter().collect();
    if let Some(w) = outcome
        .rows
        .iter()
        .find_map(|r| r.worker.as_ref().and_then(|w| w.version.clone()))
    {
        manifest.worker.version = Some(w);
    }
    manifest.worker.build_profile = outcome
        .rows
        .iter()
        .find(|r| r.worker.as_ref().is_some_and(|w| w.version.is_some()))
        .and_then(|r| r.host.as_ref().map(|h| h.build_profile.clone()));
    crate::store::write_json_atomic(&manifest_path, &manifest)?;
    // The derived summary (ratios, pooled seeds) is computed once, beside the rows it came from;
    // `summary`/`report`/`plot` rewrite it when they render this run with other options.
    let derived = summary::summarize(&outcome.rows, &summary::Options::default());
    crate::store::write_json_atomic(&store.dir().join(summary::SUMMARY_FILE), &derived)?;

    print!(
        "{}",
        verdict::render(
            &run_id,
            &outcome.rows,
            store.rows_path(),
            wall,
            outcome.interrupted
        )
    );
    if outcome.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    if outcome.rows.iter().any(|r| r.status.is_failure()) {
        return Ok(exit::ATTEMPTS_FAILED);
    }
    Ok(exit::SUCCESS)
}

/// `YYYYMMDDTHHMMSSZ-xxxxxx`: sorts by start time; the suffix separates runs started in the
/// same second.
pub fn new_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!(
        "{}-{:06x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        h.finish() & 0xff_ffff
    )
}
