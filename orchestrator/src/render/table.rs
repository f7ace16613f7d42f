//! The terminal table of a [`Summary`]: one block per probe, a line per lane at each point,
//! columns padded to width. Row text is escaped for the terminal; numbers come formatted from
//! [`cells`](super::cells).

use crate::analysis::summary::Summary;

use super::Exporter;
use super::cells::{self, HEADINGS};
use super::escape;

/// `--format table`.
pub struct Table;

impl Exporter<Summary> for Table {
    fn write(&self, doc: &Summary, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let mut out = String::new();
            for p in &doc.probes {
                out.push_str(&format!(
                    "{}  [{}]\n",
                    escape::terminal(&p.probe),
                    escape::terminal(&p.family)
                ));
                let lines: Vec<Vec<String>> = cells::probe_lines(p)
                    .iter()
                    .map(|l| l.columns().iter().map(|c| escape::terminal(c)).collect())
                    .collect();
                let heads: Vec<String> = HEADINGS.iter().map(|h| h.to_string()).collect();
                let mut widths: Vec<usize> = heads.iter().map(|h| h.chars().count()).collect();
                for l in &lines {
                    for (w, c) in widths.iter_mut().zip(l) {
                        *w = (*w).max(c.chars().count());
                    }
                }
                for l in std::iter::once(&heads).chain(&lines) {
                    out.push_str(&pad_line(l, &widths));
                }
                out.push('\n');
            }
            out.push_str(&format!(
                "{} rows: {}. ratio = min / reference min (below 1 is faster); reference: {}.\n",
                doc.rows,
                status_line(doc),
                doc.reference_rule
            ));
            out
        };
        w.write_all(text.as_bytes())
    }
}

fn pad_line(cols: &[String], widths: &[usize]) -> String {
    let mut s = String::from("  ");
    for (c, w) in cols.iter().zip(widths) {
        s.push_str(c);
        s.extend(std::iter::repeat_n(' ', w - c.chars().count() + 2));
    }
    let mut s = s.trim_end().to_string();
    s.push('\n');
    s
}

fn status_line(doc: &Summary) -> String {
    doc.status_counts
        .iter()
        .map(|(s, n)| format!("{} {n}", escape::terminal(s)))
        .collect::<Vec<_>>()
        .join(", ")
}
