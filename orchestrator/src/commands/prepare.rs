//! What `nbench run` and `nbench ab` do alike before anything runs: resolve the measurement
//! policy and deadlines ([`settings`]), then expand the filters into the plan and build the
//! scheduler over the resources ([`plan`]), and finally print the plan or execute it as one
//! stored run ([`execute`]). Both commands flatten [`PlanArgs`] and call these, so a filter or
//! flag means the same in both and a bad one is refused with the same message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nbench_schema::{MeasurePolicy, ParamValue, params::canonical};

use crate::attempt::Attempt;
use crate::catalogue::Catalogue;
use crate::cli::{FilterArgs, PlanArgs};
use crate::config::{Deadlines, FileConfig, MAX_GPU_SETTLE_S, PolicyOverrides, resolve_policy};
use crate::error::{Error, Result};
use crate::gpus::{self, GpuSet};
use crate::planner::{self, Filters};
use crate::runner::session::{self, Finished, Setup};
use crate::scheduler::Scheduler;
use crate::{shard, topology};

/// The configuration a run is measured under.
#[derive(Debug)]
pub struct Settings {
    pub file: FileConfig,
    pub config_path: Option<PathBuf>,
    pub policy: MeasurePolicy,
    pub deadlines: Deadlines,
}

/// Defaults, then the config file, then flags; every value checked before a worker is sought.
/// `keep_samples` overrides the policy's choice (`ab`'s gate needs the raw samples).
pub fn settings(
    config: Option<&std::path::Path>,
    args: &PlanArgs,
    keep_samples: Option<bool>,
) -> Result<Settings> {
    let (file, config_path) = FileConfig::load(config)?;
    let p = &args.policy;
    let flags = PolicyOverrides {
        keep_samples,
        ..p.measure.clone()
    };
    let policy = resolve_policy(&file.measure, &flags)?;
    let deadlines = Deadlines::resolve(&file.timeouts, p.timeout_multiplier)?;
    let settle = args.resources.gpu_settle;
    if !(settle.is_finite() && (0.0..=MAX_GPU_SETTLE_S).contains(&settle)) {
        return Err(Error::bad(format!(
            "--gpu-settle must be within [0, {MAX_GPU_SETTLE_S}] seconds, got {settle}"
        )));
    }
    if args.repeat == 0 {
        return Err(Error::bad("--repeat must be at least 1"));
    }
    Ok(Settings {
        file,
        config_path,
        policy,
        deadlines,
    })
}

/// A plan and what will run it.
#[derive(Debug)]
pub struct Planned {
    pub plan: Vec<Attempt>,
    pub sched: Scheduler,
    pub gpus: GpuSet,
    pub store_root: PathBuf,
    /// What the plan was made from, for its id.
    pub filters: Filters,
    pub catalogue: Catalogue,
}

/// Where the CPU slot count comes from when `--cpu-slots` is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotDefault {
    /// `[run] cpu_slots` from the config file, else 1.
    Config,
    /// 1, whatever the config says: `ab` keeps both builds of a pair on the same cores unless
    /// the user asks otherwise on the command line.
    One,
}

/// Plans `args`'s filters over `worker`'s catalogue (repeated `--repeat` times) and builds the
/// scheduler over the resource flags.
pub fn plan(
    args: &PlanArgs,
    file: &FileConfig,
    worker: &Path,
    slots: SlotDefault,
) -> Result<Planned> {
    plan_over(args, file, &Catalogue::from_worker(worker)?, worker, slots)
}

/// [`plan`] over a catalogue already loaded (several workers' merged one); `worker` is the one
/// asked for GPUs.
/// The workers `--worker` (or `[run] workers`) names, and the plan over their merged catalogue
/// with each attempt assigned to the worker that offers its probe; `run` and `check` start so.
pub fn plan_workers(
    args: &PlanArgs,
    worker: &crate::cli::WorkerArg,
    file: &FileConfig,
) -> Result<(crate::workers::Workers, Planned)> {
    use crate::workers::{self, Workers};
    let workers = Workers::load(workers::resolve(&worker.worker, &file.run.workers)?)?;
    let primary = workers.primary().program.clone();
    let mut planned = plan_over(
        args,
        file,
        &workers.catalogue,
        &primary,
        SlotDefault::Config,
    )?;
    workers.assign(&mut planned.plan);
    Ok((workers, planned))
}

pub fn plan_over(
    args: &PlanArgs,
    file: &FileConfig,
    cat: &Catalogue,
    worker: &Path,
    slots: SlotDefault,
) -> Result<Planned> {
    let filters = filters(&args.filters)?;
    let plan = planner::repeat(planner::plan(cat, &filters)?, args.repeat);

    let r = &args.resources;
    let cores = topology::physical_cores(&topology::usable_cpus());
    let n = match slots {
        SlotDefault::Config => r.cpu_slots.or(file.run.cpu_slots),
        SlotDefault::One => r.cpu_slots,
    };
    let groups = topology::partition(&cores, n.unwrap_or(1))?;
    let gpu_set = gpus::resolve(worker, r.gpus, r.simulate_gpus, &args.filters.platforms);
    let sched =
        Scheduler::new(groups, gpu_set.count, r.gpu_settle).with_gpu_note(gpu_set.note.clone());
    let store_root = crate::store::root(args.store.as_deref(), file);
    Ok(Planned {
        plan,
        sched,
        gpus: gpu_set,
        store_root,
        filters,
        catalogue: cat.clone(),
    })
}

/// The plan's identity and, under `--shard`, the shard this process runs.
#[derive(Debug, Default)]
pub struct Sharding {
    pub plan_id: Option<String>,
    pub shard: Option<crate::manifest::ShardRecord>,
    /// The `--dry-run` header of a shard.
    pub header: Option<String>,
}

/// Identifies the whole plan of `planned` (run by workers that call themselves `versions`
/// under `policy`) and, under `--shard`, keeps only this shard's attempts in it, ids unchanged.
/// `--shard-count` and `--balance-from` without `--shard` are refused, not ignored.
pub fn shard(
    args: &PlanArgs,
    policy: &MeasurePolicy,
    planned: &mut Planned,
    versions: &[String],
) -> Result<Sharding> {
    let inputs = crate::plan_id::Inputs::new(
        &planned.plan,
        &planned.filters,
        &planned.catalogue,
        versions,
        policy,
        args.repeat,
    );
    let plan_id = Some(inputs.id());
    let s = &args.shard;
    let Some(spec) = &s.shard else {
        if s.balance_from.is_some() || s.shard_count.is_some() {
            return Err(Error::bad(format!(
                "--balance-from and --shard-count go with --shard ({})",
                shard::FORMS
            )));
        }
        return Ok(Sharding {
            plan_id,
            ..Sharding::default()
        });
    };
    let chosen = shard::choose(spec, s.shard_count, s.balance_from.is_some(), |k| {
        std::env::var(k).ok()
    })?;
    let balance = match &s.balance_from {
        Some(run) => {
            let dir = crate::store::run_dir("--balance-from", run, &planned.store_root)?;
            let id = dir
                .file_name()
                .map_or_else(|| run.display().to_string(), |n| n.to_string_lossy().into());
            Some((id, shard::balance::weights(&dir)?))
        }
        None => None,
    };
    let sharded = shard::select(
        std::mem::take(&mut planned.plan),
        &chosen,
        balance.as_ref().map(|b| &b.1),
    );
    let header = shard::header(&chosen, &sharded, balance.as_ref().map(|b| b.0.as_str()));
    let record = crate::manifest::ShardRecord {
        strategy: chosen.strategy,
        index: chosen.index,
        count: chosen.count,
        engine: chosen.engine.map(str::to_string),
        balance_from: balance.map(|b| b.0),
        plan_attempts: sharded.plan_attempts,
        plan_points: sharded.plan_points,
        points: sharded.points,
        attempts: sharded.attempts.iter().map(|a| a.id.clone()).collect(),
    };
    planned.plan = sharded.attempts;
    Ok(Sharding {
        plan_id,
        shard: Some(record),
        header: Some(header),
    })
}

/// What only `run` adds to a session: the machine checks made before it and the profiler.
#[derive(Default)]
pub struct Extras {
    pub system: crate::system::Pending,
    pub profile: Option<(crate::profile::Profiler, Vec<String>)>,
    pub sharding: Sharding,
    /// The plan's prediction, and what `--budget` chose (`commands::forecast`).
    pub forecast: Option<crate::analysis::predict::Prediction>,
    pub budget: Option<crate::analysis::budget::Fit>,
    /// Keeps a budgeted run on its budget as it goes.
    pub pace: Option<crate::analysis::pace::Pace>,
}

/// The last step `run` and `ab` share: under `--dry-run` print the plan and return `None`;
/// else execute it as one stored run under `settings`, `worker` serving every attempt without a
/// worker of its own, and `announce` told the run id and directory before the first attempt.
pub fn execute(
    args: &PlanArgs,
    settings: Settings,
    planned: Planned,
    worker: PathBuf,
    worker_label: String,
    extras: Extras,
    announce: impl FnOnce(&str, &Path, usize),
) -> Result<Option<Finished>> {
    if let Some(h) = &extras.sharding.header {
        if args.dry_run {
            println!("{h}");
        } else if planned.plan.is_empty() {
            // More shards than points: this one has nothing to measure, and a run directory
            // without rows would only be refused by `merge`.
            println!("{h}; nothing to run, no run recorded");
            return Ok(None);
        }
    }
    if args.dry_run {
        // Before the plan, so that its count stays the last line.
        if let Some(p) = &extras.forecast {
            print!("{}", super::forecast::render_prediction(p));
        }
        print_plan(&planned.plan);
        return Ok(None);
    }
    let total = planned.plan.len();
    let setup = Setup {
        store_root: planned.store_root,
        worker_label,
        worker,
        config_path: settings.config_path,
        policy: settings.policy,
        deadlines: settings.deadlines,
        gpus: planned.gpus,
        progress: args.progress,
        lock: crate::lock::Choice::resolve(args.no_lock, args.lock.as_deref()),
        system: extras.system,
        profile: extras.profile,
        plan_id: extras.sharding.plan_id,
        shard: extras.sharding.shard,
        forecast: extras.forecast,
        budget: extras.budget,
        pace: extras.pace,
    };
    session::execute(setup, planned.plan, planned.sched, |run_id, dir| {
        announce(run_id, dir, total)
    })
    .map(Some)
}

/// `--dry-run`: one line per attempt (with its variant in an `ab` plan), then the count.
pub fn print_plan(plan: &[Attempt]) {
    for a in plan {
        let variant = a
            .variant
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        println!(
            "{} {} {} seed={} {} {} {}{variant}",
            a.id,
            a.probe,
            canonical(&a.params),
            a.seed,
            a.backend,
            a.provider,
            a.platform
        );
    }
    println!("{} attempts", plan.len());
}

fn filters(f: &FilterArgs) -> Result<Filters> {
    let mut params = BTreeMap::new();
    for p in &f.param {
        let (k, v) = planner::parse_param(p)?;
        params.insert(k, v);
    }
    if !f.size.is_empty() {
        let sizes = f
            .size
            .iter()
            .map(|s| ParamValue::from_cli(s.trim()))
            .collect();
        params.insert("size".to_string(), sizes);
    }
    Ok(Filters {
        families: f.family.clone(),
        matches: f.matches.clone(),
        backends: f.backend.clone(),
        params,
        quick: f.quick,
        platforms: f.platforms.clone(),
        providers: f.providers.clone(),
    })
}
