//! The gate and output flags `nbench compare` and `nbench ab` share, the resolution of the
//! gate settings (defaults, then `[gate]` of nbench.toml, then flags), and the delivery of a
//! finished comparison to stdout, `--out` and the GitHub job summary, with the exit code its
//! verdict implies. It runs no statistics and reads no rows.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use nbench_schema::exit;

use crate::analysis::gate::{Comparison, GateFile, GateSettings};
use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::render::Exporter;
use crate::render::compare::{self as render, markdown::Markdown};

/// GitHub refuses a job summary of 1 MiB or more; stay clearly below it.
const SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;

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
    /// Compare keys measured on different hosts (hostname or CPU model) instead of refusing:
    /// for runners of one machine class whose hostnames differ.
    #[arg(long)]
    pub allow_cross_host: bool,
}

/// Where and how the comparison is written.
#[derive(Debug, clap::Args, Clone)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: render::Format,
    /// Write the format to FILE (the table still goes to stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also append the Markdown to the file named by $GITHUB_STEP_SUMMARY.
    #[arg(long)]
    pub github_summary: bool,
}

impl GateArgs {
    /// The settings: defaults, then the config file's `[gate]`, then these flags.
    pub fn resolve(&self, config: Option<&Path>) -> Result<GateSettings> {
        let (file, _) = FileConfig::load(config)?;
        let flags = GateFile {
            threshold: self.threshold,
            p95_threshold: self.p95_threshold,
            alpha: self.alpha,
            minor: self.minor,
            moderate: self.moderate,
            severe: self.severe,
            resamples: self.resamples,
        };
        let mut s = GateSettings::resolve(&file.gate, &flags)?;
        s.allow_cross_host = self.allow_cross_host;
        Ok(s)
    }
}

/// Prints or writes `c` as `out` asks and returns the exit code its verdict implies.
pub fn deliver(c: &Comparison, out: &OutputArgs) -> Result<i32> {
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let exporter = out.format.exporter(colour && out.out.is_none());
    match &out.out {
        Some(path) => {
            let unwritable = |source| Error::Unwritable {
                path: path.clone(),
                source,
            };
            let mut file = std::fs::File::create(path).map_err(unwritable)?;
            exporter.write(c, &mut file).map_err(unwritable)?;
            crate::render::to_stdout(&render::terminal::Terminal { colour }, c)?;
        }
        None => crate::render::to_stdout(exporter.as_ref(), c)?,
    }
    if out.github_summary {
        append_summary(&Markdown.render(c))?;
    }
    Ok(if c.tally.regressions > 0 {
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
