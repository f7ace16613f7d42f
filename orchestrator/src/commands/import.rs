//! `nbench import FILE… --out RUN`: read other tools' results (see [`crate::import`]) and
//! write them as one nbench run directory — `rows.jsonl`, `manifest.json` (what was read) and
//! `summary.json` — so `summary`, `report`, `plot` and `compare` read it like any run. Every
//! file is read before anything is written: a bad file leaves no half-written run. A benchmark
//! found in several files gets one seed per file (each file is one run of the tool).

use std::path::{Path, PathBuf};

use nbench_schema::exit;

use crate::analysis::summary;
use crate::error::{Error, Result};
use crate::import::{self, Doc, Format, manifest};
use crate::store::{self, MANIFEST_FILE, ROWS_FILE, RunStore};

/// Arguments of `nbench import`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Tool outputs: hyperfine, Google Benchmark or pytest-benchmark JSON files, or a
    /// Criterion `target/criterion` directory.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The tool that wrote them; `auto` recognises each file by its shape.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// The run directory to create (it must not already hold rows).
    #[arg(long, value_name = "RUN")]
    pub out: PathBuf,
}

/// Runs `nbench import`.
pub fn main(args: &Args) -> Result<i32> {
    if args.out.join(ROWS_FILE).exists() {
        return Err(Error::bad(format!(
            "{} already holds {ROWS_FILE}; import into a new directory",
            args.out.display()
        )));
    }
    let started = now();
    let docs: Vec<Doc> = args
        .files
        .iter()
        .map(|f| import::read_path(f, args.format))
        .collect::<Result<_>>()?;
    let run_id = crate::runner::session::new_run_id();
    let (root, name) = split(&args.out)?;
    // The directory is the user's --out: created exclusively, never shared with another run.
    let (_, mut run) = RunStore::create(root, || name.to_string())?;
    let mut rows = Vec::new();
    for (doc, file) in docs.iter().zip(&args.files) {
        let mut these = import::rows::rows(doc, &file.display().to_string(), &run_id);
        // Attempt ids run on across files, as in one native run.
        for (i, r) in these.iter_mut().enumerate() {
            r.attempt_id = format!("a{:05}", rows.len() + i);
        }
        rows.extend(these);
    }
    // Each file is a separate invocation of its tool, so a benchmark found in several files
    // ran in several processes: the k-th file holding it gives seed k, and the gate can test
    // between processes as it does for nbench's own four seeds.
    let mut seen = std::collections::BTreeMap::<String, u64>::new();
    for r in &mut rows {
        let key = crate::store::read::attempt_key(r);
        let n = seen.entry(key).or_default();
        r.seed = *n;
        *n += 1;
    }
    for r in &rows {
        run.append(r)?;
    }
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for r in &rows {
        *counts.entry(r.status.to_string()).or_default() += 1;
    }
    let m = manifest::ImportManifest {
        run_id: run_id.clone(),
        status: "complete".into(),
        kind: "import".into(),
        started_at: started,
        finished_at: now(),
        nbench_version: env!("CARGO_PKG_VERSION").into(),
        command_line: std::env::args().collect(),
        machine: manifest::machine(&docs),
        worker: manifest::worker(&docs),
        imported: docs
            .iter()
            .zip(&args.files)
            .map(|(d, f)| manifest::Source::of(d, f))
            .collect(),
        status_counts: counts.into_iter().collect(),
    };
    run.write_json(MANIFEST_FILE, &m)?;
    let derived = summary::summarize(&rows, &summary::Options::default());
    store::write_json_atomic(&run.dir().join(summary::SUMMARY_FILE), &derived)?;
    for s in &m.imported {
        println!(
            "imported {} benchmarks from {} ({})",
            s.benchmarks, s.file, s.provider
        );
    }
    println!(
        "run {run_id}: {} rows → {}",
        rows.len(),
        run.dir().display()
    );
    println!("rows: {}", run.rows_path().display());
    Ok(exit::SUCCESS)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// `RUN` as (parent, name) for [`RunStore::create`].
fn split(out: &Path) -> Result<(&Path, &str)> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::bad(format!("--out {} names no directory", out.display())))?;
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    Ok((parent.unwrap_or(Path::new(".")), name))
}
