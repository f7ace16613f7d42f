//! `nbench run`: resolve configuration, find the worker and its catalogue, plan, run the plan
//! as one stored session ([`crate::runner::session`]: manifest first, rows as they finish, the
//! derived summary at the end), then print the verdict from that summary.

use nbench_schema::exit;

use super::prepare::{self, Planned, Settings, SlotDefault};
use crate::cli::RunArgs;
use crate::error::Result;
use crate::runner::session::{self, Setup};
use crate::verdict;
use crate::workers::{self, Workers};

/// Runs `nbench run`.
pub fn run(config: Option<&std::path::Path>, args: &RunArgs) -> Result<i32> {
    let Settings {
        file,
        config_path,
        policy,
        deadlines,
    } = prepare::settings(config, &args.plan, args.no_samples.then_some(false))?;
    let workers = Workers::load(workers::resolve(&args.worker.worker, &file.run.workers)?)?;
    let worker = workers.primary().program.clone();
    let Planned {
        mut plan,
        sched,
        gpus: gpu_set,
        store_root,
    } = prepare::plan_over(
        &args.plan,
        &file,
        &workers.catalogue,
        &worker,
        SlotDefault::Config,
    )?;
    workers.assign(&mut plan);

    if args.plan.dry_run {
        prepare::print_plan(&plan);
        return Ok(exit::SUCCESS);
    }
    let total = plan.len();

    let setup = Setup {
        store_root,
        worker_label: workers.label(),
        worker,
        config_path,
        policy,
        deadlines,
        gpus: gpu_set,
    };
    let done = session::execute(setup, plan, sched, |run_id, dir| {
        println!("run {run_id}: {total} attempts → {}", dir.display());
    })?;
    print!(
        "{}",
        verdict::render(
            &done.run_id,
            &done.summary,
            &done.rows_path,
            done.wall_s,
            done.interrupted
        )
    );
    if done.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    if done.rows.iter().any(|r| r.status.is_failure()) {
        return Ok(exit::ATTEMPTS_FAILED);
    }
    Ok(exit::SUCCESS)
}
