//! The text of one summary cell, shared by the table, Markdown and report renderers so a number
//! reads the same everywhere. Pure formatting of what the analysis computed: unit prefixes and
//! significant digits, no arithmetic. Escaping is left to each format.

use crate::analysis::summary::{Cell, FidelityMark, Point, ProbeSummary};
use crate::units;

/// Column headings, in order, matching [`CellText::columns`].
pub const HEADINGS: [&str; 10] = [
    "point",
    "backend",
    "min",
    "median",
    "p25–p75",
    "ratio",
    "peak RSS",
    "fidelity",
    "statuses",
    "note",
];

/// One formatted line of a probe's table: a lane at a point.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CellText {
    pub point: String,
    pub lane: String,
    pub min: String,
    pub median: String,
    pub iqr: String,
    pub ratio: String,
    pub peak_rss: String,
    pub fidelity: String,
    pub statuses: String,
    pub note: String,
}

impl CellText {
    /// The fields in [`HEADINGS`] order.
    pub fn columns(&self) -> [&str; 10] {
        [
            &self.point,
            &self.lane,
            &self.min,
            &self.median,
            &self.iqr,
            &self.ratio,
            &self.peak_rss,
            &self.fidelity,
            &self.statuses,
            &self.note,
        ]
    }
}

/// Every line of a probe's table: points in order, lanes in the probe's order; the point is
/// only spelled on its first line.
pub fn probe_lines(p: &ProbeSummary) -> Vec<CellText> {
    let mut out = Vec::new();
    for point in &p.points {
        for (i, c) in point.cells.iter().enumerate() {
            out.push(cell(point, c, i == 0));
        }
    }
    out
}

fn cell(point: &Point, c: &Cell, first: bool) -> CellText {
    let secs = |v: Option<f64>| v.map_or("-".to_string(), units::seconds);
    let t = c.time.as_ref();
    CellText {
        point: if first {
            point.label.clone()
        } else {
            String::new()
        },
        lane: c.lane.clone(),
        min: secs(t.map(|t| t.min)),
        median: secs(t.map(|t| t.median)),
        iqr: t.map_or("-".into(), |t| {
            format!("{}–{}", units::seconds(t.p25), units::seconds(t.p75))
        }),
        ratio: c.ratio.map_or("—".into(), ratio),
        peak_rss: c.peak_rss.map_or("-".into(), |b| units::bytes(b as f64)),
        fidelity: fidelity(c.fidelity).to_string(),
        statuses: statuses(c),
        note: c.ratio_note.clone().unwrap_or_default(),
    }
}

/// `0.25×`, `1.00×`, `12.5×`; below 0.1 with three significant digits (`0.00320×`) so a large
/// speed-up does not print as `0.00×`.
pub fn ratio(r: f64) -> String {
    if r > 0.0 && r < 0.1 {
        let decimals = (2.0 - r.log10().floor()).min(9.0) as usize;
        format!("{r:.decimals$}×")
    } else {
        format!("{}×", units::sig3(r))
    }
}

/// `✓ pass`, `✗ fail`, `? inconclusive`, `- none`.
pub fn fidelity(m: FidelityMark) -> &'static str {
    match m {
        FidelityMark::Pass => "✓ pass",
        FidelityMark::Fail => "✗ fail",
        FidelityMark::Inconclusive => "? inconclusive",
        FidelityMark::None => "- none",
    }
}

/// `ok 4` or `ok 3, crashed 1`.
pub fn statuses(c: &Cell) -> String {
    c.status_counts
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_large_speed_up_keeps_its_digits() {
        assert_eq!(super::ratio(0.0032), "0.00320×");
        assert_eq!(super::ratio(0.25), "0.25×");
        assert_eq!(super::ratio(12.5), "12.5×");
    }
}
