//! `nbench run --resume RUN`: complete a stored run that was interrupted or lost its nbench.
//! The plan, filters and policy are the run's own: its recorded command line is parsed again
//! and planned again, and the result must match what the manifest recorded — the same plan
//! (attempt keys), the same worker build (its bytes) and the same policy and deadlines — or the
//! resume is refused naming the difference (exit 2). The attempts without a final row (never
//! started, `interrupted`, or lost when nbench was killed) then run under the run's id,
//! appended to its rows file ([`crate::runner::resume`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clap::Parser;
use nbench_schema::Status;

use super::prepare::{self, Planned, Settings, SlotDefault};
use crate::cli::{Cli, Command, RunArgs};
use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::manifest::{self, Manifest};
use crate::runner::resume::{self, plan_record};
use crate::runner::session::Setup;
use crate::store::{self, MANIFEST_FILE, read};

/// The flags that may accompany `--resume`: where things are and how to lock, never what to
/// run or how to measure it.
const ALLOWED: [&str; 6] = [
    "--resume",
    "--store",
    "--worker",
    "--config",
    "--lock",
    "--no-lock",
];

/// Runs `nbench run --resume RUN`.
pub fn main(config: Option<&Path>, args: &RunArgs, target: &Path) -> Result<i32> {
    refuse_other_flags()?;
    let dir = run_dir(config, args, target)?;
    let manifest = manifest::read(&dir.join(MANIFEST_FILE))?;
    if manifest.merge.is_some() {
        return Err(Error::bad(format!(
            "run {} was made by `nbench merge`; resume the shard runs it names (`nbench run --resume <shard run dir>`) and merge again",
            manifest.run_id
        )));
    }
    let Some(recorded) = manifest.plan.clone() else {
        return Err(Error::bad(format!(
            "run {} was written by an nbench that does not record its plan; it cannot be resumed",
            manifest.run_id
        )));
    };
    let original = original_args(&manifest)?;
    // A resumed run has one worker binary (its bytes are compared with the recorded hash).
    let worker = args
        .worker
        .worker
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(&manifest.worker.path));
    let config_path = config
        .map(Path::to_path_buf)
        .or_else(|| manifest.config_file.as_ref().map(PathBuf::from));
    let Settings {
        file,
        config_path,
        policy,
        deadlines,
    } = prepare::settings(
        config_path.as_deref(),
        &original.plan,
        original.no_samples.then_some(false),
    )?;
    differ(
        "policy",
        serde_json::to_value(&manifest.policy),
        serde_json::to_value(&policy),
    )?;
    differ(
        "stage deadlines",
        serde_json::to_value(&manifest.deadlines_s),
        serde_json::to_value(manifest::Deadlines::from(&deadlines)),
    )?;
    let Planned {
        mut plan,
        sched,
        gpus,
        ..
    } = prepare::plan(&original.plan, &file, &worker, SlotDefault::Config)?;
    // A shard resumes as the shard it was, whatever the environment now says (`--shard auto`
    // read variables that a resume on a login node lacks): its recorded attempts, nothing else.
    if let Some(shard) = &manifest.shard {
        let mine: HashSet<&String> = shard.attempts.iter().collect();
        plan.retain(|a| mine.contains(&a.id));
    }
    let now = plan_record(&plan, &worker)?;
    if now.worker_hash != recorded.worker_hash {
        return Err(Error::bad(format!(
            "cannot resume run {}: the worker build differs ({} hashes to {}, the run used {})",
            manifest.run_id,
            worker.display(),
            now.worker_hash,
            recorded.worker_hash
        )));
    }
    if now.attempts != recorded.attempts || now.keys_hash != recorded.keys_hash {
        return Err(Error::bad(format!(
            "cannot resume run {}: the plan differs ({} attempts with key hash {} now, {} with {} recorded); the catalogue or the filters changed",
            manifest.run_id, now.attempts, now.keys_hash, recorded.attempts, recorded.keys_hash
        )));
    }
    let done: HashSet<String> = read::load(std::slice::from_ref(&dir))?
        .into_iter()
        .filter(|r| r.run_id == manifest.run_id && r.status != Status::Interrupted)
        .map(|r| r.attempt_id)
        .collect();
    let pending: Vec<_> = plan.into_iter().filter(|a| !done.contains(&a.id)).collect();
    let total = pending.len();
    let setup = Setup {
        store_root: dir
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        worker_label: manifest.worker.path.clone(),
        worker,
        config_path,
        policy,
        deadlines,
        gpus,
        progress: args.plan.progress,
        system: Default::default(),
        profile: None,
        forecast: None,
        budget: None,
        pace: None,
        lock: crate::lock::Choice::resolve(args.plan.no_lock, args.plan.lock.as_deref()),
        plan_id: manifest.plan_id.clone(),
        shard: manifest.shard.clone(),
    };
    let done = resume::execute(setup, &dir, manifest, pending, sched, |run_id, dir| {
        println!(
            "resume {run_id}: {total} attempts without a final row → {}",
            dir.display()
        );
    })?;
    Ok(super::run::finish(&done))
}

/// Refuses plan or policy flags beside `--resume`: the run's own are used, and silently
/// ignoring one the user typed would mislead.
fn refuse_other_flags() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let after_run = args.iter().skip_while(|a| *a != "run").skip(1);
    for a in after_run {
        let name = a.split('=').next().unwrap_or(a);
        if name.starts_with("--") && !ALLOWED.contains(&name) {
            return Err(Error::bad(format!(
                "{name} cannot be given with --resume: a resume runs the run's own plan and policy; allowed beside it: {}",
                ALLOWED[1..].join(", ")
            )));
        }
    }
    Ok(())
}

/// The run directory `target` names: a directory holding a manifest, or a run id in the store.
fn run_dir(config: Option<&Path>, args: &RunArgs, target: &Path) -> Result<PathBuf> {
    if target.join(MANIFEST_FILE).is_file() {
        return Ok(target.to_path_buf());
    }
    let (file, _) = FileConfig::load(config)?;
    store::run_dir(
        "--resume",
        target,
        &store::root(args.plan.store.as_deref(), &file),
    )
}

/// The run's own `nbench run` arguments, parsed again from its recorded command line.
fn original_args(manifest: &Manifest) -> Result<RunArgs> {
    let refuse =
        |why: String| Error::bad(format!("run {} cannot be resumed: {why}", manifest.run_id));
    let cli = Cli::try_parse_from(&manifest.command_line)
        .map_err(|e| refuse(format!("its command line no longer parses ({})", e.kind())))?;
    match cli.command {
        // The fit depends on the store's history, which the run itself has since grown, so a
        // re-plan would choose differently; resuming needs the recorded choices (not yet).
        Command::Run(args) if args.budget.is_some() => Err(refuse(
            "it was fitted to a --budget, and resuming a budgeted run is not supported".into(),
        )),
        Command::Run(args) if args.resume.is_none() => Ok(*args),
        Command::Run(_) => Err(refuse(
            "its manifest records a resume as its command".into(),
        )),
        _ => Err(refuse("only runs of `nbench run` can be resumed".into())),
    }
}

/// Refuses when the recorded and the re-derived value differ, naming the fields.
fn differ(
    what: &str,
    recorded: serde_json::Result<serde_json::Value>,
    now: serde_json::Result<serde_json::Value>,
) -> Result<()> {
    let (Ok(recorded), Ok(now)) = (recorded, now) else {
        return Err(Error::Runtime(format!("cannot serialize the {what}")));
    };
    if recorded == now {
        return Ok(());
    }
    let fields: Vec<String> = match (&recorded, &now) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => a
            .keys()
            .chain(b.keys())
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| format!("{k}: {} recorded, {} now", show(a.get(k)), show(b.get(k))))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        _ => vec![format!("{recorded} recorded, {now} now")],
    };
    Err(Error::bad(format!(
        "cannot resume: the {what} differs from the run's ({})",
        fields.join("; ")
    )))
}

fn show(v: Option<&serde_json::Value>) -> String {
    v.map_or_else(|| "absent".into(), ToString::to_string)
}
