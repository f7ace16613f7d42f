//! The terminal table of a comparison: one line per point, worst first, then unmatched keys and
//! the verdict line. Colour (ANSI) only when the caller says so — the command decides from
//! whether stdout is a terminal and `NO_COLOR`. Row text goes through [`escape::terminal`].

use std::fmt::Write;

use super::{interval, ordered, pct, pvalue, verdict_label, verdict_line};
use crate::analysis::gate::{Comparison, Verdict};
use crate::render::{Exporter, escape};

/// The terminal table.
pub struct Terminal {
    pub colour: bool,
}

impl Terminal {
    fn paint(&self, v: Verdict, text: &str) -> String {
        let code = match v {
            Verdict::Regression => "31;1",
            Verdict::Warning | Verdict::Inconclusive => "33",
            Verdict::Improvement => "32",
            Verdict::Pass => return text.to_string(),
        };
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

impl Exporter<Comparison> for Terminal {
    fn write(&self, c: &Comparison, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "baseline: {}\ncurrent:  {}",
                escape::terminal(&c.baseline),
                escape::terminal(&c.current)
            );
            let rows: Vec<[String; 6]> = ordered(c)
                .into_iter()
                .map(|p| {
                    [
                        verdict_label(p),
                        escape::terminal(&p.name),
                        pct(p.change_min),
                        format!("{} {}", pct(p.change_median), interval(p.change_median_ci)),
                        pct(p.change_p95),
                        pvalue(p.q_slower),
                    ]
                })
                .collect();
            let head = [
                "verdict",
                "point",
                "Δmin",
                "Δmedian [95% CI]",
                "Δp95",
                "q(slower)",
            ];
            let mut w = head.map(|h| h.chars().count());
            for r in &rows {
                for (i, cell) in r.iter().enumerate() {
                    w[i] = w[i].max(cell.chars().count());
                }
            }
            let line = |cells: &[String; 6]| -> String {
                cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{c}{}", " ".repeat(w[i] - c.chars().count())))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            let _ = writeln!(out, "{}", line(&head.map(String::from)));
            for (p, r) in ordered(c).into_iter().zip(&rows) {
                let text = line(r);
                let _ = writeln!(out, "{}", self.paint(p.verdict, &text));
                for reason in &p.reasons {
                    let _ = writeln!(out, "    {}", escape::terminal(reason));
                }
            }
            let _ = writeln!(out, "{}", legend(c));
            if !c.unmatched.is_empty() {
                let _ = writeln!(out, "unmatched keys ({}):", c.unmatched.len());
                for u in &c.unmatched {
                    let _ = writeln!(
                        out,
                        "    only in {}: {}",
                        escape::terminal(&u.side),
                        escape::terminal(&u.key)
                    );
                }
            }
            let v = if c.tally.regressions > 0 {
                Verdict::Regression
            } else {
                Verdict::Pass
            };
            let _ = writeln!(out, "{}", self.paint(v, &verdict_line(c)));
            out
        };
        w.write_all(text.as_bytes())
    }
}

/// One line under the table: what the columns are and the rule a regression must meet, so a
/// passing point whose median interval lies above zero is not a puzzle.
fn legend(c: &Comparison) -> String {
    format!(
        "Δ: current against baseline, pooled over seeds; q(slower): the Benjamini–Hochberg-adjusted \
         p-value that current is slower. A point regresses when Δmin and Δmedian both exceed +{:.0} % \
         and q(slower) ≤ α = {}; one that misses either passes, whatever its interval.",
        c.settings.threshold * 100.0,
        c.settings.alpha
    )
}
