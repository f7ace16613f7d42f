//! The inputs shared by `summary`, `report` and `plot`: rows files, run directories and store
//! directories in any mix (positional or `--render-from`), `--latest`, `--reference`, and the
//! default (the newest run of the store). Loads the rows and the manifests beside them and
//! builds the one [`Summary`] every renderer formats. It does no rendering, and it never writes:
//! the commands it serves are read-only, so they work on a read-only directory (a downloaded CI
//! artifact) and never change a run behind its owner's back.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nbench_schema::Row;

use crate::analysis::summary::{self, Options, Summary};
use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::store::{self, MANIFEST_FILE, read};

/// Which rows to render.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct RowsArgs {
    /// Rows .jsonl files, run directories or store directories, in any mix (default: the newest
    /// run in the store).
    #[arg(value_name = "RUNS")]
    pub inputs: Vec<PathBuf>,
    /// More inputs, comma-separated or repeated: mix runs, e.g. another machine's run directory;
    /// lanes get a column per host when rows come from several.
    #[arg(long, value_delimiter = ',', value_name = "FILES|DIRS")]
    pub render_from: Vec<PathBuf>,
    /// Keep only the newest row per attempt key (probe, params, seed, backend, provider,
    /// platform).
    #[arg(long)]
    pub latest: bool,
    /// Backend every ratio is taken against (default, per point: scalar, else naive, else a
    /// backend named naive… or scalar…, else the first backend by name).
    #[arg(long, value_name = "BACKEND")]
    pub reference: Option<String>,
    /// Store searched for the newest run when no input is given (default: `[run] store` of
    /// nbench.toml, else results/store).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// Rows, their manifests and their summary.
#[derive(Debug)]
pub struct Loaded {
    pub rows: Vec<Row>,
    pub summary: Summary,
    /// The manifests found beside the rows files, sorted by run id, as written (a manifest may
    /// gain fields freely, so it is kept as JSON).
    pub manifests: Vec<serde_json::Value>,
}

/// Resolves, loads and summarises.
pub fn load(config: Option<&Path>, args: &RowsArgs) -> Result<Loaded> {
    let mut paths: Vec<PathBuf> = args
        .inputs
        .iter()
        .chain(&args.render_from)
        .cloned()
        .collect();
    // The store the run was picked from, when the user named no input.
    let mut picked = None;
    if paths.is_empty() {
        let (file, _) = FileConfig::load(config)?;
        let root = store::root(args.store.as_deref(), &file);
        let newest = store::newest_run(&root)?;
        picked = Some(root);
        paths.push(newest);
    }
    let mut rows = read::load(&paths)?;
    if rows.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::bad(format!("no rows in {}", names.join(", "))));
    }
    if args.latest {
        rows = read::latest(rows);
    }
    if let Some(r) = &args.reference {
        let present: BTreeSet<&str> = rows.iter().map(|r| r.backend.as_str()).collect();
        if !present.contains(r.as_str()) {
            let valid: Vec<&str> = present.into_iter().collect();
            return Err(Error::bad(format!(
                "--reference {r} names no backend in the rows; present: {}",
                valid.join(", ")
            )));
        }
    }
    let summary = summary::summarize(
        &rows,
        &Options {
            reference: args.reference.clone(),
        },
    );
    let manifests = manifests(&paths)?;
    if let Some(root) = picked {
        announce_pick(&root, &paths[0], &manifests);
    }
    Ok(Loaded {
        rows,
        summary,
        manifests,
    })
}

/// Says which run was picked when the user named none, from the manifest already loaded.
fn announce_pick(root: &Path, run: &Path, manifests: &[serde_json::Value]) {
    let id = run
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let started = manifests
        .iter()
        .find(|m| m.get("run_id").and_then(|r| r.as_str()) == Some(id.as_str()))
        .and_then(|m| m.get("started_at").and_then(|s| s.as_str()));
    eprintln!(
        "nbench: the newest run of {}: {id}{}",
        root.display(),
        started
            .map(|s| format!(", started {s}"))
            .unwrap_or_default()
    );
}

/// Every manifest beside the rows files behind `paths`, once each, sorted by run id.
fn manifests(paths: &[PathBuf]) -> Result<Vec<serde_json::Value>> {
    let mut dirs = BTreeSet::new();
    for p in paths {
        for f in read::rows_files(p)? {
            if let Some(d) = f.parent() {
                dirs.insert(d.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        let path = d.join(MANIFEST_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::bad(format!("{} is not a manifest: {e}", path.display())))?;
        out.push(value);
    }
    let run_id =
        |v: &serde_json::Value| v.get("run_id").and_then(|r| r.as_str()).map(str::to_string);
    out.sort_by_key(run_id);
    out.dedup();
    Ok(out)
}
