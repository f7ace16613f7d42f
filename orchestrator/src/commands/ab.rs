//! `nbench ab --baseline-worker A --candidate-worker B [run filters and policy]`: an
//! interleaved A/B run. Every planned attempt runs twice, once per build, back to back on the
//! same cores, in counterbalanced order (see [`interleave`]: a linear drift of the machine
//! cancels within each point); both halves go into one run whose rows carry `variant` =
//! `baseline`/`candidate`; then the candidate is gated against the baseline exactly as
//! `nbench compare` would, with the same outputs and exit codes. Setup mirrors `nbench run`.

use std::path::PathBuf;
use std::sync::Arc;

use nbench_schema::{Host, Row, exit};

use super::compare::{GateArgs, OutputArgs, deliver};
use crate::analysis::gate;
use crate::catalogue::Catalogue;
use crate::cli::{Cli, FilterArgs};
use crate::config::{Deadlines, FileConfig, PolicyFlags, resolve_policy};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, WorkerFacts};
use crate::planner::{self, Attempt, Filters, SEEDS};
use crate::progress::Progress;
use crate::runner::RunContext;
use crate::runner::dispatcher::dispatch;
use crate::runner::synth::timestamp;
use crate::scheduler::Scheduler;
use crate::store::{MANIFEST_FILE, RunStore};
use crate::{hostinfo, locate, topology};

/// The two variant markers rows carry.
pub const BASELINE: &str = "baseline";
pub const CANDIDATE: &str = "candidate";

/// Arguments of `nbench ab`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The baseline build's worker binary.
    #[arg(long, value_name = "PATH")]
    pub baseline_worker: PathBuf,
    /// The candidate build's worker binary.
    #[arg(long, value_name = "PATH")]
    pub candidate_worker: PathBuf,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Store directory; the run goes to STORE/<run_id>/ (default results/store).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Scale every stage deadline.
    #[arg(long, value_name = "X")]
    pub timeout_multiplier: Option<f64>,
    /// Warm-up budget per attempt, seconds.
    #[arg(long, value_name = "S")]
    pub warmup: Option<f64>,
    /// Calibration target for one sample, seconds.
    #[arg(long, value_name = "S")]
    pub sample_target: Option<f64>,
    /// Minimum samples per attempt.
    #[arg(long, value_name = "N")]
    pub min_samples: Option<u64>,
    /// Maximum samples per attempt.
    #[arg(long, value_name = "N")]
    pub max_samples: Option<u64>,
    /// Target relative width of the median's 95 % CI.
    #[arg(long, value_name = "X")]
    pub target_rel_ci: Option<f64>,
    /// Sampling time cap per attempt, seconds.
    #[arg(long, value_name = "S")]
    pub time_cap: Option<f64>,
    /// Input cache policy: hot or rotate.
    #[arg(long, value_name = "POLICY")]
    pub cache: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `nbench ab`.
pub fn main(cli: &Cli, args: &Args) -> Result<i32> {
    let settings = args.gate.resolve(cli)?;
    crate::render::compare::by_name(&args.output.format, false)?;
    let (file, config_path) = FileConfig::load(cli.config.as_deref())?;
    let flags = PolicyFlags {
        warmup_s: args.warmup,
        sample_target_s: args.sample_target,
        min_samples: args.min_samples,
        max_samples: args.max_samples,
        target_rel_ci: args.target_rel_ci,
        time_cap_s: args.time_cap,
        cache: args.cache.clone(),
        // The gate's bootstrap needs the raw samples.
        keep_samples: Some(true),
    };
    let policy = resolve_policy(&file.measure, &flags)?;
    let deadlines = Deadlines::resolve(&file.timeouts, args.timeout_multiplier)?;
    for (flag, p) in [
        ("--baseline-worker", &args.baseline_worker),
        ("--candidate-worker", &args.candidate_worker),
    ] {
        if !p.is_file() {
            return Err(Error::bad(format!(
                "{flag} {} is not a file: name an nbench-worker binary (or a script that execs one)",
                p.display()
            )));
        }
    }
    let base_worker = locate::worker(Some(&args.baseline_worker))?;
    let cand_worker = locate::worker(Some(&args.candidate_worker))?;
    // The baseline's catalogue decides the plan; a point the candidate lacks shows up as its
    // attempt's failure, which the gate reports as a status regression.
    let cat = Catalogue::from_worker(&base_worker)?;
    let plan = interleave(
        planner::plan(&cat, &filters(&args.filters)?)?,
        &base_worker,
        &cand_worker,
    );

    let cores = topology::physical_cores(&topology::usable_cpus());
    // One slot: both builds of a pair must see the same cores and the same neighbours.
    let sched = Scheduler::new(topology::partition(&cores, 1)?, 0, 0.0);
    let run_id = super::run::new_run_id();
    let store_root = args
        .store
        .clone()
        .or(file.run.store.clone())
        .unwrap_or_else(|| PathBuf::from(super::run::DEFAULT_STORE));
    let mut store = RunStore::create(&store_root, &run_id)?;
    let machine = hostinfo::machine();
    let (git_commit, git_dirty) =
        hostinfo::git(base_worker.parent().unwrap_or(std::path::Path::new(".")));
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
    let mut manifest = Manifest {
        run_id: run_id.clone(),
        status: "running".into(),
        started_at: timestamp(chrono::Utc::now()),
        finished_at: None,
        nbench_version: host.nbench_version.clone(),
        command_line: std::env::args().collect(),
        machine,
        worker: WorkerFacts {
            path: format!(
                "{BASELINE}={} {CANDIDATE}={}",
                base_worker.display(),
                cand_worker.display()
            ),
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
        gpus: None,
        planned_attempts: plan.len(),
        probes,
        env: hostinfo::allowed_env(),
        status_counts: Vec::new(),
        providers: Vec::new(),
    };
    let manifest_path = store.dir().join(MANIFEST_FILE);
    store
        .write_json(MANIFEST_FILE, &manifest)
        .map_err(|e| match e {
            Error::WriteFailed { path, source } => Error::Unwritable { path, source },
            other => other,
        })?;
    let ctx = Arc::new(RunContext {
        run_id: run_id.clone(),
        worker: base_worker,
        policy,
        deadlines,
        host,
        regime: sched.regime(),
        variant: None,
        cache_dir: None,
        foreign: Default::default(),
    });
    let total = plan.len();
    eprintln!(
        "ab run {run_id}: {total} attempts (baseline and candidate interleaved) → {}",
        store.dir().display()
    );
    let mut progress = Progress::new(total);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    let outcome = rt.block_on(dispatch(ctx, plan, sched, &mut store, &mut progress));
    progress.finish();
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
    crate::store::write_json_atomic(&manifest_path, &manifest)?;
    if outcome.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    let (base, cand): (Vec<Row>, Vec<Row>) = outcome
        .rows
        .into_iter()
        .partition(|r| r.variant.as_deref() == Some(BASELINE));
    let c = gate::compare(
        &base,
        &cand,
        &settings,
        &format!("{} ({BASELINE})", store.dir().display()),
        &format!("{} ({CANDIDATE})", store.dir().display()),
    )?;
    deliver(&c, &args.output)
}

/// Each attempt twice, baseline and candidate adjacent, in counterbalanced order.
///
/// The order of a pair flips with the parity of `k + m`: `k` counts the earlier attempts of the
/// same point and backend (its seeds, and its repeats), `m` is the point and backend's position
/// among the distinct ones in first-appearance order. `k` makes each point's own pairs
/// alternate (AB, BA, AB, BA over its four seeds), so a drift or a second-in-line effect
/// cancels within the unit the gate judges; `m` makes neighbouring pairs alternate too. A plain
/// flip on the plan index would not do: with the seed loop outermost, a point's four attempts
/// lie a whole seed block apart, and an even block length would give all four the same order.
pub fn interleave(
    plan: Vec<Attempt>,
    baseline: &std::path::Path,
    candidate: &std::path::Path,
) -> Vec<Attempt> {
    let mut seen: std::collections::HashMap<String, (usize, usize)> = Default::default();
    let mut out = Vec::with_capacity(plan.len() * 2);
    for a in plan {
        let distinct = seen.len();
        let (m, k) = seen.entry(point_key(&a)).or_insert((distinct, 0));
        let flip = (*m + *k) % 2 == 1;
        *k += 1;
        let side = |worker: &std::path::Path, variant: &str| Attempt {
            worker: Some(worker.to_path_buf()),
            variant: Some(variant.to_string()),
            ..a.clone()
        };
        let (x, y) = (side(baseline, BASELINE), side(candidate, CANDIDATE));
        out.extend(if flip { [y, x] } else { [x, y] });
    }
    for (i, a) in out.iter_mut().enumerate() {
        a.index = i;
        a.id = format!("a{i:05}");
    }
    out
}

/// An attempt's key without its seed: what the gate pools into one verdict.
fn point_key(a: &Attempt) -> String {
    format!(
        "{} {} {} {} {}",
        a.probe,
        nbench_schema::params::canonical(&a.params),
        a.backend,
        a.provider,
        a.platform
    )
}

fn filters(f: &FilterArgs) -> Result<Filters> {
    let mut params = std::collections::BTreeMap::new();
    for p in &f.param {
        let (k, v) = planner::parse_param(p)?;
        params.insert(k, v);
    }
    if !f.size.is_empty() {
        let sizes = f
            .size
            .iter()
            .map(|s| nbench_schema::ParamValue::from_cli(s.trim()))
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
        providers: Vec::new(),
    })
}
