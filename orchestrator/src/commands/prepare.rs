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
use crate::topology;

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
    })
}

/// What only `run` adds to a session: the machine checks made before it and the profiler.
#[derive(Default)]
pub struct Extras {
    pub system: Vec<crate::system::Check>,
    pub profile: Option<(crate::profile::Profiler, Vec<String>)>,
    /// The plan's prediction, and what `--budget` chose (`commands::forecast`).
    pub forecast: Option<crate::analysis::predict::Prediction>,
    pub budget: Option<crate::analysis::budget::Fit>,
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
        forecast: extras.forecast,
        budget: extras.budget,
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
