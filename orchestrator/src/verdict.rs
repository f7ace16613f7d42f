//! The end-of-run verdict: counts per status, a compact table of points (each backend's ok
//! count and median time, the best over seeds), and where the rows are. Rendered from rows
//! only; deterministic for the same rows.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use nbench_schema::{Row, Status, params::canonical};

use crate::units;

/// One line of the points table: ok count, attempts, best median over seeds.
type Cell = (usize, usize, Option<f64>);

/// The verdict text.
pub fn render(
    run_id: &str,
    rows: &[Row],
    rows_path: &Path,
    wall_s: f64,
    interrupted: bool,
) -> String {
    let mut out = String::new();
    let state = if interrupted {
        "interrupted"
    } else {
        "finished"
    };
    let _ = writeln!(
        out,
        "\nrun {run_id} {state}: {} rows in {}",
        rows.len(),
        units::seconds(wall_s)
    );

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        *counts.entry(r.status.as_str().to_string()).or_default() += 1;
    }
    let order = Status::KNOWN;
    let mut parts: Vec<String> = order
        .iter()
        .filter_map(|s| counts.get(*s).map(|n| format!("{s} {n}")))
        .collect();
    parts.extend(
        counts
            .iter()
            .filter(|(s, _)| !order.contains(&s.as_str()))
            .map(|(s, n)| format!("{s} {n}")),
    );
    let _ = writeln!(out, "  {}", parts.join(" · "));

    // (probe, point, backend/provider/platform) → (ok, total, best median)
    let mut table: BTreeMap<(String, String, String), Cell> = BTreeMap::new();
    for r in rows {
        let key = (
            r.probe.clone(),
            canonical(&r.params),
            format!("{}/{}/{}", r.backend, r.provider, r.platform),
        );
        let e = table.entry(key).or_insert((0, 0, None));
        e.1 += 1;
        if r.status.is_ok() {
            e.0 += 1;
        }
        if let Some(t) = r.metrics.as_ref().and_then(|m| m.steady_time.as_ref()) {
            e.2 = Some(e.2.map_or(t.median, |b: f64| b.min(t.median)));
        }
    }
    let w0 = table.keys().map(|k| k.0.len()).max().unwrap_or(5).max(5);
    let w1 = table.keys().map(|k| k.1.len()).max().unwrap_or(5).max(5);
    let w2 = table.keys().map(|k| k.2.len()).max().unwrap_or(7).max(7);
    let _ = writeln!(
        out,
        "\n  {:<w0$}  {:<w1$}  {:<w2$}  {:>5}  {:>10}",
        "probe", "point", "backend", "ok", "median"
    );
    for ((probe, point, backend), (ok, n, med)) in &table {
        let med = med.map_or("-".to_string(), units::seconds);
        let _ = writeln!(
            out,
            "  {probe:<w0$}  {point:<w1$}  {backend:<w2$}  {:>5}  {med:>10}",
            format!("{ok}/{n}")
        );
    }
    let _ = writeln!(out, "\nrows: {}", rows_path.display());
    out
}
