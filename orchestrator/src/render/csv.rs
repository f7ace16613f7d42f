//! `--format csv`: one record per lane at each point, raw numbers in SI units (seconds, bytes)
//! at full precision for spreadsheets and scripts. Text fields are escaped by
//! [`escape::csv`](super::escape::csv); numbers are written as they are.

use crate::analysis::summary::{Cell, FidelityMark, Summary};

use super::Exporter;
use super::escape;

/// `--format csv`.
pub struct Csv;

const HEADER: &str = "family,probe,point,lane,backend,provider,platform,host,reference,min_s,median_s,p25_s,p75_s,ratio,ratio_note,peak_rss_bytes,peak_alloc_bytes,fidelity,worst_rel_to_tol,rows,statuses\n";

impl Exporter<Summary> for Csv {
    fn write(&self, doc: &Summary, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let mut out = String::from(HEADER);
            for p in &doc.probes {
                for point in &p.points {
                    for c in &point.cells {
                        let text = [
                            p.family.as_str(),
                            &p.probe,
                            &point.label,
                            &c.lane,
                            &c.backend,
                            &c.provider,
                            &c.platform,
                            c.host.as_deref().unwrap_or(""),
                            point.reference.as_deref().unwrap_or(""),
                        ];
                        let mut fields: Vec<String> = text.iter().map(|t| escape::csv(t)).collect();
                        fields.extend(numbers(c));
                        out.push_str(&fields.join(","));
                        out.push('\n');
                    }
                }
            }
            out
        };
        w.write_all(text.as_bytes())
    }
}

fn numbers(c: &Cell) -> Vec<String> {
    let f = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:e}"));
    let u = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    let t = c.time.as_ref();
    let statuses = c
        .status_counts
        .iter()
        .map(|(s, n)| format!("{s}={n}"))
        .collect::<Vec<_>>()
        .join(";");
    vec![
        f(t.map(|t| t.min)),
        f(t.map(|t| t.median)),
        f(t.map(|t| t.p25)),
        f(t.map(|t| t.p75)),
        f(c.ratio),
        escape::csv(c.ratio_note.as_deref().unwrap_or("")),
        u(c.peak_rss),
        u(c.peak_alloc),
        mark(c.fidelity).to_string(),
        f(c.worst_rel_to_tol),
        c.rows.to_string(),
        escape::csv(&statuses),
    ]
}

fn mark(m: FidelityMark) -> &'static str {
    match m {
        FidelityMark::Pass => "pass",
        FidelityMark::Fail => "fail",
        FidelityMark::Inconclusive => "inconclusive",
        FidelityMark::None => "none",
    }
}
