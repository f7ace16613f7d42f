//! `--format md` (and `--github-summary`): a heading with the verdict, a table of the points
//! that need attention, all points in a collapsed section, unmatched keys, and the verdict line.

use std::fmt::Write;

use super::{interval, ordered, pct, pvalue, verdict_label, verdict_line};
use crate::analysis::gate::{Comparison, PointResult, Verdict};
use crate::render::{Exporter, escape};

/// The Markdown exporter.
pub struct Markdown;

/// Row text in a table cell or a line of prose: inert Markdown on one line.
fn cell(s: &str) -> String {
    escape::markdown(s)
}

fn table(out: &mut String, points: &[&PointResult]) {
    let _ = writeln!(
        out,
        "| verdict | point | Δmin | Δmedian [95% CI] | Δp95 | q(slower) | reasons |\n|---|---|---:|---:|---:|---:|---|"
    );
    for p in points {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} {} | {} | {} | {} |",
            verdict_label(p),
            escape::markdown_code(&p.name),
            pct(p.change_min),
            pct(p.change_median),
            interval(p.change_median_ci),
            pct(p.change_p95),
            pvalue(p.q_slower),
            cell(&p.reasons.join("; "))
        );
    }
}

impl Exporter<Comparison> for Markdown {
    fn write(&self, c: &Comparison, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let mut out = String::new();
            let mark = if c.tally.regressions > 0 {
                "❌ regression"
            } else {
                "✅ pass"
            };
            let _ = writeln!(out, "## nbench compare: {mark}\n");
            let _ = writeln!(
                out,
                "Baseline {} → current {}.\n",
                escape::markdown_code(&c.baseline),
                escape::markdown_code(&c.current)
            );
            let all = ordered(c);
            let notable: Vec<&PointResult> = all
                .iter()
                .copied()
                .filter(|p| p.verdict != Verdict::Pass)
                .collect();
            if !notable.is_empty() {
                table(&mut out, &notable);
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "<details><summary>all {} points</summary>\n",
                all.len()
            );
            table(&mut out, &all);
            let _ = writeln!(out, "\n</details>\n");
            if !c.unmatched.is_empty() {
                let _ = writeln!(out, "**Unmatched keys ({}):**\n", c.unmatched.len());
                for u in &c.unmatched {
                    let _ = writeln!(
                        out,
                        "- only in {}: {}",
                        cell(&u.side),
                        escape::markdown_code(&u.key)
                    );
                }
                out.push('\n');
            }
            let _ = writeln!(out, "{}", verdict_line(c));
            out
        };
        w.write_all(text.as_bytes())
    }
}
