//! `nbench run`: resolve configuration, find the workers and their merged catalogue, plan, run the plan
//! as one stored session ([`crate::runner::session`]: manifest first, rows as they finish, the
//! derived summary at the end), then print the verdict from that summary.

use nbench_schema::exit;

use super::{forecast, prepare};
use crate::analysis::budget;
use crate::analysis::pace::Pace;
use crate::cli::RunArgs;
use crate::error::Result;
use crate::runner::session::Finished;
use crate::{profile, system, verdict};

/// Runs `nbench run`.
pub fn run(config: Option<&std::path::Path>, args: &RunArgs) -> Result<i32> {
    // First, so a stop during planning or materialisation is an orderly exit, not a torn one.
    crate::sys::install_stop_handlers()
        .map_err(|e| crate::Error::Runtime(format!("cannot install signal handlers: {e}")))?;
    if let Some(target) = &args.resume {
        return super::resume::main(config, args, target);
    }
    let settings = prepare::settings(config, &args.plan, args.no_samples.then_some(false))?;
    let (workers, mut planned) = prepare::plan_workers(&args.plan, &args.worker, &settings.file)?;
    let worker = workers.primary().program.clone();
    // A budget drops points after the shard was recorded, so the merge would count them as
    // lost; a sharded plan is budgeted by giving each shard a narrower plan instead.
    if args.budget.is_some() && args.plan.shard.shard.is_some() {
        return Err(crate::Error::bad(
            "--budget and --shard cannot be combined: a budget drops points from the shard \
             the plan id records, and the merge would report them missing; narrow each shard's \
             filters instead"
                .to_string(),
        ));
    }
    let versions: Vec<String> = workers.workers.iter().map(|w| w.version()).collect();
    // The shard is taken before the profiler's extra attempts are added: those belong to the
    // shard that measures their points.
    let sharding = prepare::shard(&args.plan, &settings.policy, &mut planned, &versions)?;
    let history = forecast::history(&planned.store_root, &planned.plan);
    let slots = planned.sched.regime().core_groups.len();
    let budget = args.budget.map(|budget_s| {
        let plan = std::mem::take(&mut planned.plan);
        let (kept, fit) = budget::fit(plan, &settings.policy, &history, budget_s, slots);
        planned.plan = kept;
        print!("{}", forecast::render_fit(&fit));
        fit
    });
    let profile = profile::for_run(
        args.profile.as_deref(),
        &mut planned.plan,
        &mut planned.store_root,
    )?;
    // The machine checks are made once, before the first attempt (not for a dry run), while
    // the rest of the start-up goes on; the session waits for them before its manifest.
    let checks = if args.plan.dry_run {
        system::Pending::default()
    } else {
        system::start_for_run(&planned.sched, &planned.plan)
    };
    let prediction = forecast::predict(
        &planned.plan,
        &history,
        &settings.policy,
        slots,
        planned.gpus.count as usize,
    );
    // A budgeted run keeps to its budget as it goes, from the same costs the fit used.
    let pace = budget.as_ref().map(|fit| {
        Pace::new(
            &planned.plan,
            &settings.policy,
            &history,
            fit.budget_s,
            slots,
            &fit.steps,
        )
    });
    let label = workers.label();
    let announce = |run_id: &str, dir: &std::path::Path, total: usize| {
        println!("run {run_id}: {total} attempts → {}", dir.display());
    };
    let extras = prepare::Extras {
        system: checks,
        profile,
        sharding,
        forecast: Some(prediction),
        budget,
        pace,
    };
    let Some(done) = prepare::execute(
        &args.plan, settings, planned, worker, label, extras, announce,
    )?
    else {
        return Ok(exit::SUCCESS);
    };
    Ok(finish(&done))
}

/// Prints the verdict of a finished run (and its profiled attempts) and returns the exit code
/// it implies; `run --resume` ends the same way.
pub fn finish(done: &Finished) -> i32 {
    print!(
        "{}",
        verdict::render(
            &done.run_id,
            &done.summary,
            &done.rows_path,
            done.wall_s,
            done.forecast,
            done.interrupted
        )
    );
    print!("{}", profile::render_rows(&done.rows, &done.dir));
    if done.interrupted {
        exit::INTERRUPTED
    } else if done.rows.iter().any(|r| r.status.is_failure()) {
        exit::ATTEMPTS_FAILED
    } else {
        exit::SUCCESS
    }
}
