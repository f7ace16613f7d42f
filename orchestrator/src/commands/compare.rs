//! `nbench compare BASELINE CURRENT`: load both sides (rows files, run directories or stores),
//! run the gate, print or write the chosen format, and exit 0 (pass), 1 (regression) or 2 (bad
//! input). Also the gate and output flags `nbench ab` shares, and the delivery of a comparison
//! to stdout, `--out` and the GitHub job summary. No statistics here.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use nbench_schema::{Row, exit};

use crate::analysis::gate::{self, Comparison, GateFile, GateSettings};
use crate::cli::Cli;
use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::render::Exporter;
use crate::render::compare::{self as render, markdown::Markdown};
use crate::store::read;

/// GitHub refuses a job summary of 1 MiB or more; stay clearly below it.
const SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;

/// Arguments of `nbench compare`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The baseline: a rows .jsonl file, a run directory, a store of runs, or another tool's
    /// output (as `nbench import` reads it).
    pub baseline: PathBuf,
    /// The current side, in the same forms.
    pub current: PathBuf,
    /// Keep only the newest row per key on each side (needed when a side holds several runs).
    #[arg(long)]
    pub latest: bool,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Gate thresholds; each overrides `[gate]` of nbench.toml.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct GateArgs {
    /// A regression needs min and median (pooled over seeds) slower by more than this fraction [0.05].
    #[arg(long, value_name = "FRACTION")]
    pub threshold: Option<f64>,
    /// p95 slower by more than this fraction warns [0.20].
    #[arg(long, value_name = "FRACTION")]
    pub p95_threshold: Option<f64>,
    /// Benjamini–Hochberg false-discovery level across points [0.01].
    #[arg(long, value_name = "LEVEL")]
    pub alpha: Option<f64>,
    /// Lower bound of the minor severity class [0.10].
    #[arg(long, value_name = "FRACTION")]
    pub minor: Option<f64>,
    /// Lower bound of the moderate severity class [0.20].
    #[arg(long, value_name = "FRACTION")]
    pub moderate: Option<f64>,
    /// Severe above this fraction [0.50].
    #[arg(long, value_name = "FRACTION")]
    pub severe: Option<f64>,
    /// Bootstrap replicates per point [2000].
    #[arg(long, value_name = "N")]
    pub resamples: Option<usize>,
}

/// Where and how the comparison is written.
#[derive(Debug, clap::Args, Clone)]
pub struct OutputArgs {
    /// Output format: table, md, json, junit or github.
    #[arg(long, default_value = "table", value_parser = render::FORMATS)]
    pub format: String,
    /// Write the format to FILE (the table still goes to stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also append the Markdown to the file named by $GITHUB_STEP_SUMMARY.
    #[arg(long)]
    pub github_summary: bool,
}

impl GateArgs {
    /// The settings: defaults, then the config file's `[gate]`, then these flags.
    pub fn resolve(&self, cli: &Cli) -> Result<GateSettings> {
        let (file, _) = FileConfig::load(cli.config.as_deref())?;
        let flags = GateFile {
            threshold: self.threshold,
            p95_threshold: self.p95_threshold,
            alpha: self.alpha,
            minor: self.minor,
            moderate: self.moderate,
            severe: self.severe,
            resamples: self.resamples,
        };
        GateSettings::resolve(&file.gate, &flags)
    }
}

/// Runs `nbench compare`.
pub fn main(cli: &Cli, args: &Args) -> Result<i32> {
    let settings = args.gate.resolve(cli)?;
    // Check the format before reading anything, so a typo fails fast.
    render::by_name(&args.output.format, false)?;
    let baseline = side(&args.baseline, "baseline", args.latest)?;
    let current = side(&args.current, "current", args.latest)?;
    let c = gate::compare(
        &baseline,
        &current,
        &settings,
        &args.baseline.display().to_string(),
        &args.current.display().to_string(),
    )?;
    deliver(&c, &args.output)
}

fn side(path: &Path, name: &str, latest: bool) -> Result<Vec<Row>> {
    // Another tool's output (hyperfine, Google Benchmark, Criterion, pytest-benchmark) is
    // imported in memory, as `nbench import` would write it.
    let rows = match crate::import::foreign_rows(path)? {
        Some(rows) => rows,
        None => read::load(&[path.to_path_buf()])?,
    };
    if rows.is_empty() {
        return Err(Error::bad(format!(
            "{name} {} holds no rows to compare",
            path.display()
        )));
    }
    Ok(if latest { read::latest(rows) } else { rows })
}

/// Prints or writes `c` as `out` asks and returns the exit code its verdict implies.
pub fn deliver(c: &Comparison, out: &OutputArgs) -> Result<i32> {
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let exporter = render::by_name(&out.format, colour && out.out.is_none())?;
    let text = exporter.render(c);
    let mut stdout = std::io::stdout().lock();
    match &out.out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| Error::Unwritable {
                path: path.clone(),
                source,
            })?;
            let table = render::terminal::Terminal { colour }.render(c);
            let _ = stdout.write_all(table.as_bytes());
        }
        None => {
            let _ = stdout.write_all(text.as_bytes());
        }
    }
    if out.github_summary {
        append_summary(&Markdown.render(c))?;
    }
    Ok(if c.summary.regressions > 0 {
        exit::REGRESSION
    } else {
        exit::SUCCESS
    })
}

fn append_summary(md: &str) -> Result<()> {
    let path = std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::bad("--github-summary needs $GITHUB_STEP_SUMMARY (set by GitHub Actions) to name a file")
        })?;
    let existing = std::fs::metadata(&path).map_or(0, |m| m.len() as usize);
    let room = SUMMARY_LIMIT.saturating_sub(existing);
    let text = truncate(md, room);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|source| Error::Unwritable {
            path: path.clone(),
            source,
        })?;
    f.write_all(text.as_bytes())
        .map_err(|source| Error::Unwritable { path, source })
}

/// `md` cut to at most `room` bytes on a line boundary, with a note saying so.
pub fn truncate(md: &str, room: usize) -> String {
    if md.len() <= room {
        return md.to_string();
    }
    let note = "\n… truncated to stay under GitHub's 1 MiB job-summary limit; see the full report with --format md --out FILE\n";
    let keep = room.saturating_sub(note.len());
    let cut = md[..md.floor_char_boundary(keep)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    format!("{}{note}", &md[..cut])
}
