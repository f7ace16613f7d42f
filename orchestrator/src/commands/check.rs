//! `nbench check`: the determinism smoke test a user runs in their own CI before trusting
//! numbers. Every selected attempt of every worker runs twice, each in its own process, with a
//! minimal measurement; the check fails, naming probe and point, when the problem digests of a
//! point and seed differ (between the two processes or between backends and providers: setup
//! read the clock or an unseeded generator), when a backend fails the float64 oracle, or when
//! setup or a kernel failed (panicked, raised, crashed).
//!
//! The rows go to a temporary store removed afterwards; this module plans and judges, the
//! session runs. It never writes to the user's store.

use std::collections::{BTreeMap, BTreeSet};

use nbench_schema::{MeasurePolicy, Row, Status, exit, params::canonical};

use super::prepare;
use crate::cli::{PlanArgs, WorkerArg};
use crate::error::Result;

/// Arguments of `nbench check`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub worker: WorkerArg,
}

/// Runs `nbench check`.
pub fn main(config: Option<&std::path::Path>, args: &Args) -> Result<i32> {
    let mut settings = prepare::settings(config, &args.plan, Some(false))?;
    // One timed call: the check is about answers, not times.
    settings.policy = quick_policy();
    let mut plan_args = args.plan.clone();
    // Twice, each attempt in its own process: the second run is the determinism witness.
    plan_args.repeat = 2;
    let scratch = std::env::temp_dir().join(format!("nbench-check-{}", std::process::id()));
    plan_args.store = Some(scratch.clone());
    let (workers, planned) = prepare::plan_workers(&plan_args, &args.worker, &settings.file)?;
    let worker = workers.primary().program.clone();
    let extras = prepare::Extras::default();
    let announce = |_: &str, _: &std::path::Path, total: usize| {
        println!("check: {total} attempts (every selected attempt twice)");
    };
    let label = workers.label();
    let done = prepare::execute(
        &plan_args, settings, planned, worker, label, extras, announce,
    );
    let _ = std::fs::remove_dir_all(&scratch);
    let Some(done) = done? else {
        return Ok(exit::SUCCESS);
    };
    if done.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    let problems = problems(&done.rows);
    for p in &problems {
        println!("FAIL {p}");
    }
    let points: BTreeSet<String> = done.rows.iter().map(point_of).collect();
    if problems.is_empty() {
        println!(
            "check passed: {} attempts over {} points and seeds; digests equal, every compared \
             output within its oracle's tolerance",
            done.rows.len(),
            points.len()
        );
        Ok(exit::SUCCESS)
    } else {
        println!("check failed: {} problem(s)", problems.len());
        Ok(exit::ATTEMPTS_FAILED)
    }
}

/// One call's worth of measuring: the check is about answers, not times.
fn quick_policy() -> MeasurePolicy {
    MeasurePolicy {
        warmup_s: 0.0,
        sample_target_s: 0.0,
        min_samples: 1,
        max_samples: 1,
        time_cap_s: 0.0,
        keep_samples: false,
        ..MeasurePolicy::default()
    }
}

fn point_of(r: &Row) -> String {
    format!("{} at {} seed {}", r.probe, canonical(&r.params), r.seed)
}

/// What is wrong in the rows, one line each, in a stable order.
pub fn problems(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    let mut digests: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for r in rows {
        if let Some(d) = &r.problem_digest {
            let lane = format!("{}/{}", r.backend, r.provider);
            digests
                .entry(point_of(r))
                .or_default()
                .entry(d.clone())
                .or_default()
                .push(lane);
        }
        let why = r.failure.as_ref().map_or("", |f| f.message.as_str());
        let at = format!("{} backend {}/{}", point_of(r), r.backend, r.provider);
        if r.status == Status::FidelityFailed {
            out.push(format!("{at}: fails the float64 oracle: {why}"));
        } else if r.status.is_failure() {
            out.push(format!("{at}: {}: {why}", r.status));
        }
    }
    for (point, by_digest) in digests {
        if by_digest.len() > 1 {
            let seen: Vec<String> = by_digest
                .iter()
                .map(|(d, lanes)| format!("{d} ({})", lanes.join(", ")))
                .collect();
            out.push(format!(
                "{point}: problem digests differ between processes or backends: {}; setup must \
                 draw only from nbench's seeded generator (no clock, no unseeded rng)",
                seen.join(" vs ")
            ));
        }
    }
    out.sort();
    out.dedup();
    out
}
