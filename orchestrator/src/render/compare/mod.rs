//! Renderers of a [`Comparison`]: one file per `--format`, each an [`Exporter<Comparison>`].
//! Shared here: the `--format` enum and the formatting of changes and the one-line verdict,
//! so every format words a number the same way. No arithmetic on metrics beyond scaling a
//! fraction to a percentage for display.

pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod terminal;

use crate::analysis::gate::{Comparison, PointResult, Verdict};
use crate::render::Exporter;

/// `compare`/`ab --format`: each value is one exporter of the [`Comparison`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A terminal table (coloured on a terminal unless NO_COLOR is set).
    #[default]
    Table,
    /// Markdown for a job summary or a pull-request comment.
    Md,
    /// The comparison document.
    Json,
    /// JUnit XML, one test case per point.
    Junit,
    /// GitHub Actions workflow annotations.
    Github,
}

impl Format {
    /// The exporter of this format; `colour` only matters to the terminal table.
    pub fn exporter(self, colour: bool) -> Box<dyn Exporter<Comparison>> {
        match self {
            Format::Table => Box::new(terminal::Terminal { colour }),
            Format::Md => Box::new(markdown::Markdown),
            Format::Json => Box::new(json::Json),
            Format::Junit => Box::new(junit::Junit),
            Format::Github => Box::new(github::Github),
        }
    }
}

/// A fractional change as a signed percentage, `-` when absent.
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{:+.1}%", v * 100.0),
        _ => "-".to_string(),
    }
}

/// A 95 % interval of a change, `[-1.2%, +3.4%]`.
pub fn interval(ci: Option<(f64, f64)>) -> String {
    match ci {
        Some((lo, hi)) => format!("[{}, {}]", pct(Some(lo)), pct(Some(hi))),
        None => "-".to_string(),
    }
}

/// A p- or q-value in short scientific form.
pub fn pvalue(v: Option<f64>) -> String {
    match v {
        Some(v) if v < 1e-99 => "<1e-99".to_string(),
        Some(v) if v.is_finite() => format!("{v:.1e}"),
        _ => "-".to_string(),
    }
}

/// The verdict of a point with its severity: `regression (minor)`.
pub fn verdict_label(p: &PointResult) -> String {
    match p.severity {
        Some(s) if p.verdict == Verdict::Regression => format!("regression ({})", s.name()),
        _ if p.verdict == Verdict::Regression => "regression (status)".to_string(),
        _ => p.verdict.name().to_string(),
    }
}

/// The closing line every format states: the verdict, the counts, and how often this gate is
/// expected to cry wolf.
pub fn verdict_line(c: &Comparison) -> String {
    let s = &c.tally;
    format!(
        "{}: {} of {} points regressed ({} status/fidelity), {} improved, {} warnings, {} inconclusive, {} unmatched keys; expected false-alarm rate ≤ {:.1} % per comparison (Benjamini–Hochberg at α = {} over {} points, min threshold {:.0} %)",
        s.verdict.to_uppercase(),
        s.regressions,
        s.points,
        s.status_regressions,
        s.improvements,
        s.warnings,
        s.inconclusive,
        s.unmatched,
        s.expected_false_alarm_rate * 100.0,
        c.settings.alpha,
        s.points,
        c.settings.threshold * 100.0
    )
}

/// Points in display order: regressions first, then warnings, inconclusive, improvements,
/// passes; by name within each.
pub fn ordered(c: &Comparison) -> Vec<&PointResult> {
    let mut v: Vec<&PointResult> = c.points.iter().collect();
    v.sort_by(|a, b| (a.verdict, &a.name).cmp(&(b.verdict, &b.name)));
    v
}
