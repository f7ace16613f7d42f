//! `nbench run`: resolve configuration, find the worker and its catalogue, plan, run the plan
//! as one stored session (`session`: manifest first, rows as they finish), then write the
//! derived summary beside the rows and print the verdict.

use nbench_schema::exit;

use super::prepare::{self, Planned, Settings, SlotDefault};
use super::session::{self, Setup};
use crate::analysis::summary;
use crate::cli::{Cli, RunArgs};
use crate::error::Result;
use crate::{locate, verdict};

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
    let total = plan.len();

    let setup = Setup {
        store_root,
        worker_label: worker.display().to_string(),
        worker,
        config_path,
        policy,
        deadlines,
        gpus: gpu_set,
    };
    let done = session::execute(setup, plan, sched, |run_id, dir| {
        println!("run {run_id}: {total} attempts → {}", dir.display());
    })?;
    // The derived summary (ratios, pooled seeds) is computed once, beside the rows it came from;
    // `summary`/`report`/`plot` rewrite it when they render this run with other options.
    let derived = summary::summarize(&done.rows, &summary::Options::default());
    crate::store::write_json_atomic(&done.dir.join(summary::SUMMARY_FILE), &derived)?;

    print!(
        "{}",
        verdict::render(
            &done.run_id,
            &done.rows,
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
