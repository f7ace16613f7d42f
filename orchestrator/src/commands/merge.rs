//! `nbench merge SHARD_RUN… --out RUN`: read the shard runs, combine them ([`crate::merge`]),
//! and write the merged run directory — `rows.jsonl`, `summary.json`, `manifest.json` — into a
//! temporary directory beside `--out` that is renamed into place only when complete, so a
//! refused or failed merge leaves nothing at `--out`. Prints what was merged on stdout and what
//! is missing (with the command that completes it) on stderr; exits 0 when every attempt of the
//! plan has a final row, 3 when some have none (the merged run is written anyway), 2 on bad
//! input.

use std::path::{Path, PathBuf};

use nbench_schema::exit;

use crate::analysis::summary;
use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::merge::{self, Merged, Missing};
use crate::store::{self, MANIFEST_FILE, ROWS_FILE, durable};

/// Arguments of `nbench merge`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The shard runs: run directories, or run ids in the store.
    #[arg(value_name = "SHARD_RUN", required = true)]
    pub inputs: Vec<PathBuf>,
    /// The merged run directory to create (it must not exist, or be an empty directory).
    #[arg(long, value_name = "RUN")]
    pub out: PathBuf,
    /// Merge runs of different plans or shardings anyway.
    #[arg(long)]
    pub force: bool,
    /// Store in which run ids are looked up (default: `[run] store` of nbench.toml, else
    /// results/store).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// Runs `nbench merge`.
pub fn main(config: Option<&Path>, args: &Args) -> Result<i32> {
    let (file, _) = FileConfig::load(config)?;
    let root = store::root(args.store.as_deref(), &file);
    check_out(&args.out)?;
    let mut inputs = Vec::new();
    for target in &args.inputs {
        let dir = if target.is_dir() {
            target.clone()
        } else {
            store::run_dir("merge", target, &root)?
        };
        inputs.push(merge::input::load(&dir)?);
    }
    let merged = merge::combine(inputs, args.force)?;
    write(&args.out, &merged)?;
    print!("{}", render(&merged, &args.out));
    for line in warnings(&merged) {
        eprintln!(
            "nbench: warning: {}",
            crate::render::escape::terminal(&line)
        );
    }
    Ok(if merged.missing.is_empty() {
        exit::SUCCESS
    } else {
        exit::ATTEMPTS_FAILED
    })
}

/// Refuses an `--out` that exists and is not an empty directory, before anything is read.
fn check_out(out: &Path) -> Result<()> {
    match std::fs::read_dir(out).map(|mut entries| entries.next().is_none()) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Ok(true) => Ok(()),
        _ => Err(Error::bad(format!(
            "--out {} already exists; merge writes a new run directory",
            out.display()
        ))),
    }
}

/// Writes the merged run into a temporary directory beside `out`, then renames it into place.
fn write(out: &Path, m: &Merged) -> Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::bad(format!("--out {} names no directory", out.display())))?;
    std::fs::create_dir_all(&parent).map_err(|source| Error::Unwritable {
        path: parent.clone(),
        source,
    })?;
    let tmp = parent.join(format!(".{name}.merging-{:016x}", durable::random(1)));
    std::fs::create_dir(&tmp).map_err(|source| Error::Unwritable {
        path: tmp.clone(),
        source,
    })?;
    let written = (|| {
        durable::write_atomic(&tmp.join(ROWS_FILE), &m.rows)?;
        let derived = summary::summarize(&m.parsed, &summary::Options::default());
        store::write_json_atomic(&tmp.join(summary::SUMMARY_FILE), &derived)?;
        store::write_json_atomic(&tmp.join(MANIFEST_FILE), &m.manifest)?;
        std::fs::rename(&tmp, out).map_err(|source| Error::WriteFailed {
            path: out.to_path_buf(),
            source,
        })?;
        durable::sync_dir(&parent).map_err(|source| Error::WriteFailed {
            path: parent.clone(),
            source,
        })
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written
}

/// What was merged: one line for the merge, one per input.
pub fn render(m: &Merged, out: &Path) -> String {
    let rows = m.parsed.len();
    let mut s = format!(
        "merged {} run{} of plan {} → {} (run {}): {rows} rows for {} planned attempts, {}\n",
        m.inputs.len(),
        if m.inputs.len() == 1 { "" } else { "s" },
        m.manifest.plan_id.as_deref().unwrap_or("(none recorded)"),
        out.display(),
        m.manifest.run_id,
        m.manifest.planned_attempts,
        m.manifest.status
    );
    if let Some(rec) = &m.manifest.merge {
        for i in &rec.inputs {
            s.push_str(&format!(
                "  shard {:<6} run {}  {} ({})  {} rows kept, {}\n",
                i.shard.as_deref().unwrap_or("-"),
                i.run_id,
                i.hostname,
                i.cpu_model,
                i.rows_kept,
                i.status
            ));
        }
    }
    s
}

/// The duplicates resolved and what is missing, with the commands that complete it.
pub fn warnings(m: &Merged) -> Vec<String> {
    let mut out: Vec<String> = m.duplicates.iter().take(10).cloned().collect();
    if m.duplicates.len() > 10 {
        out.push(format!(
            "… and {} more attempts with a final row in several runs",
            m.duplicates.len() - 10
        ));
    }
    for miss in &m.missing {
        match miss {
            Missing::Attempts {
                shard,
                run_id,
                dir,
                planned,
                ids,
            } => {
                let mut shown: Vec<&str> = ids.iter().take(8).map(String::as_str).collect();
                if ids.len() > 8 {
                    shown.push("…");
                }
                out.push(format!(
                    "{} (run {run_id}): {} of {planned} attempts have no final row ({}); complete them with `nbench run --resume {}` and merge again",
                    shard.as_ref().map_or_else(|| "an unsharded input".to_string(), |s| format!("shard {s}")),
                    ids.len(),
                    shown.join(", "),
                    dir.display()
                ));
            }
            Missing::Shards {
                indices,
                count,
                attempts,
                command,
            } => {
                let names: Vec<String> = indices.iter().map(|i| format!("{i}/{count}")).collect();
                out.push(format!(
                    "shard{} {} of the plan had no input ({attempts} attempts); run {}: {}",
                    if indices.len() == 1 { "" } else { "s" },
                    names.join(", "),
                    if indices.len() == 1 { "it" } else { "each" },
                    indices
                        .iter()
                        .map(|i| format!("`{}`", command.replace("{index}", &i.to_string())))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    out
}
