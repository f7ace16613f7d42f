//! `--format github`: GitHub Actions workflow commands — `::error` per regressed point,
//! `::warning` per warning, inconclusive point and unmatched key, `::notice` per improvement —
//! then the verdict line as plain text. Messages are escaped as the runner requires.

use std::fmt::Write;

use super::{pct, verdict_label, verdict_line};
use crate::analysis::gate::{Comparison, Verdict};
use crate::render::Exporter;

/// The GitHub annotations exporter.
pub struct Github;

/// Escapes a workflow-command message (`%`, CR, LF).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (also `:` and `,`).
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Exporter<Comparison> for Github {
    fn write(&self, c: &Comparison, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let mut out = String::new();
            for p in super::ordered(c) {
                let level = match p.verdict {
                    Verdict::Regression => "error",
                    Verdict::Warning | Verdict::Inconclusive => "warning",
                    Verdict::Improvement => "notice",
                    Verdict::Pass => continue,
                };
                let msg = format!(
                    "{}: {} (min {}, median {}, p95 {}); {}",
                    p.name,
                    verdict_label(p),
                    pct(p.change_min),
                    pct(p.change_median),
                    pct(p.change_p95),
                    p.reasons.join("; ")
                );
                let _ = writeln!(
                    out,
                    "::{level} title={}::{}",
                    prop(&format!("nbench {}", verdict_label(p))),
                    data(&msg)
                );
            }
            for u in &c.unmatched {
                let _ = writeln!(
                    out,
                    "::warning title=nbench unmatched key::{}",
                    data(&format!("only in {}: {}", u.side, u.key))
                );
            }
            let _ = writeln!(out, "{}", verdict_line(c));
            out
        };
        w.write_all(text.as_bytes())
    }
}
