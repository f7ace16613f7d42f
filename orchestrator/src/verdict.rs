//! The end-of-run verdict: counts per status, a compact table of points (each lane's ok count
//! and its median time pooled over seeds) and where the rows are. It renders the [`Summary`]
//! the run just built, so its numbers are the numbers `nbench summary` prints for the same
//! rows; it computes nothing itself. Deterministic for the same summary.

use std::fmt::Write;
use std::path::Path;

use nbench_schema::Status;

use crate::analysis::summary::Summary;
use crate::render::escape;
use crate::units;

/// The verdict text for the run `run_id`, summarised in `summary`.
pub fn render(
    run_id: &str,
    summary: &Summary,
    rows_path: &Path,
    wall_s: f64,
    forecast: Option<(f64, f64)>,
    interrupted: bool,
) -> String {
    let mut out = String::new();
    let state = if interrupted {
        "interrupted"
    } else {
        "finished"
    };
    // On the same line, so that scripts cutting the wall time off cut the prediction too.
    let predicted = forecast.map_or(String::new(), |(p, err)| {
        format!(" (predicted {}, {:+.0} %)", units::seconds(p), err * 100.0)
    });
    let _ = writeln!(
        out,
        "\nrun {run_id} {state}: {} rows in {}{predicted}",
        summary.rows,
        units::seconds(wall_s)
    );
    let _ = writeln!(out, "  {}", status_counts(summary));

    let mut lines: Vec<[String; 5]> = Vec::new();
    for p in &summary.probes {
        for point in &p.points {
            for c in &point.cells {
                let ok = c
                    .status_counts
                    .get(Status::Ok.as_str())
                    .copied()
                    .unwrap_or(0);
                let median = c
                    .time
                    .as_ref()
                    .map_or("-".to_string(), |t| units::seconds(t.median));
                let lane = format!("{}/{}/{}", c.backend, c.provider, c.platform);
                lines.push([
                    escape::terminal(&p.probe),
                    escape::terminal(&point.label),
                    escape::terminal(&lane),
                    format!("{ok}/{}", c.rows),
                    median,
                ]);
            }
        }
    }
    let width = |i: usize, min: usize| {
        lines
            .iter()
            .map(|l| l[i].chars().count())
            .max()
            .unwrap_or(min)
            .max(min)
    };
    let (w0, w1, w2) = (width(0, 5), width(1, 5), width(2, 7));
    let _ = writeln!(
        out,
        "\n  {:<w0$}  {:<w1$}  {:<w2$}  {:>5}  {:>10}",
        "probe", "point", "backend", "ok", "median"
    );
    for [probe, point, lane, ok, median] in &lines {
        let _ = writeln!(
            out,
            "  {probe:<w0$}  {point:<w1$}  {lane:<w2$}  {ok:>5}  {median:>10}"
        );
    }
    let _ = writeln!(
        out,
        "\nrows: {}",
        escape::terminal(&rows_path.display().to_string())
    );
    out
}

/// `ok 12 · failed 1`: known statuses in their documented order, then any others by name.
fn status_counts(summary: &Summary) -> String {
    let order = Status::KNOWN;
    let known = order
        .iter()
        .filter_map(|s| summary.status_counts.get(*s).map(|n| format!("{s} {n}")));
    let other = summary
        .status_counts
        .iter()
        .filter(|(s, _)| !order.contains(&s.as_str()))
        .map(|(s, n)| format!("{} {n}", escape::terminal(s)));
    known.chain(other).collect::<Vec<_>>().join(" · ")
}
