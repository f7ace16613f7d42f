//! `nbench ab --baseline-worker A --candidate-worker B [run filters, resources and policy]`: an
//! interleaved A/B run. Every planned attempt runs twice, once per build, back to back on the
//! same cores, in counterbalanced order (see [`interleave`]: a linear drift of the machine
//! cancels within each point); both halves go into one run whose rows carry `variant` =
//! `baseline`/`candidate`; then the candidate is gated against the baseline exactly as
//! `nbench compare` would, with the same outputs and exit codes. Arguments, settings and the
//! plan come from [`super::prepare`], shared with `nbench run`.

use std::path::{Path, PathBuf};

use nbench_schema::{Row, exit};

use super::gating::{GateArgs, OutputArgs, deliver};
use super::prepare::{self, SlotDefault};
use crate::analysis::gate;
use crate::attempt::Attempt;
use crate::cli::PlanArgs;
use crate::error::{Error, Result};
use crate::locate;

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
    // The same filters, resources, policy and store flags as `nbench run`; `--cpu-slots`
    // defaults to 1 here whatever the config says, so both builds of a pair share the cores.
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `nbench ab`.
pub fn main(config: Option<&Path>, args: &Args) -> Result<i32> {
    // First, so a stop during planning or materialisation is an orderly exit, not a torn one.
    crate::sys::install_stop_handlers()
        .map_err(|e| Error::Runtime(format!("cannot install signal handlers: {e}")))?;
    let settings = args.gate.resolve(config)?;
    // The gate's bootstrap needs the raw samples.
    let settings_run = prepare::settings(config, &args.plan, Some(true))?;
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
    let mut planned = prepare::plan(
        &args.plan,
        &settings_run.file,
        &base_worker,
        SlotDefault::One,
    )?;
    planned.plan = interleave(planned.plan, &base_worker, &cand_worker);
    // Sharded after interleaving, so both builds of a point land in one shard and keep the
    // ids of the whole plan.
    let versions: Vec<String> = [&base_worker, &cand_worker]
        .map(|p| {
            crate::workers::Worker {
                program: p.clone(),
                args: Vec::new(),
            }
            .version()
        })
        .to_vec();
    let sharding = prepare::shard(&args.plan, &settings_run.policy, &mut planned, &versions)?;
    let label = format!(
        "{BASELINE}={} {CANDIDATE}={}",
        base_worker.display(),
        cand_worker.display()
    );
    // stdout carries the gate's output (possibly JSON), so the banner goes to stderr.
    let announce = |run_id: &str, dir: &Path, total: usize| {
        eprintln!(
            "ab run {run_id}: {total} attempts (baseline and candidate interleaved) → {}",
            dir.display()
        );
    };
    // A foreign provider runs its own interpreter for both variants; only the instances it
    // loads come from a native worker, the baseline's.
    let Some(done) = prepare::execute(
        &args.plan,
        settings_run,
        planned,
        base_worker,
        label,
        prepare::Extras {
            sharding,
            ..prepare::Extras::default()
        },
        announce,
    )?
    else {
        return Ok(exit::SUCCESS);
    };
    if done.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    let (base, cand): (Vec<Row>, Vec<Row>) = done
        .rows
        .into_iter()
        .partition(|r| r.variant.as_deref() == Some(BASELINE));
    let c = gate::compare(
        &base,
        &cand,
        &settings,
        &format!("{} ({BASELINE})", done.dir.display()),
        &format!("{} ({CANDIDATE})", done.dir.display()),
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
pub fn interleave(plan: Vec<Attempt>, baseline: &Path, candidate: &Path) -> Vec<Attempt> {
    let mut seen: std::collections::HashMap<String, (usize, usize)> = Default::default();
    let mut out = Vec::with_capacity(plan.len() * 2);
    for a in plan {
        let distinct = seen.len();
        let (m, k) = seen.entry(gate_key(&a)).or_insert((distinct, 0));
        let flip = (*m + *k) % 2 == 1;
        *k += 1;
        let side = |worker: &Path, variant: &str| Attempt {
            worker: Some(worker.to_path_buf()),
            variant: Some(variant.to_string()),
            policy: None,
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

/// An attempt's gate key (its key without the seed): what the gate pools into one verdict.
fn gate_key(a: &Attempt) -> String {
    format!(
        "{} {} {} {} {}",
        a.probe,
        nbench_schema::params::canonical(&a.params),
        a.backend,
        a.provider,
        a.platform
    )
}
