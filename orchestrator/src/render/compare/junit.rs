//! `--format junit`: JUnit XML with one test case per point, a regression as a `<failure>`,
//! warnings and inconclusive points as `<system-out>` text, unmatched keys as skipped cases.
//! The subset GitHub's and GitLab's JUnit readers agree on; no timestamps, so it is
//! deterministic.

use std::fmt::Write;

use super::{pct, verdict_label, verdict_line};
use crate::analysis::gate::{Comparison, Verdict};
use crate::render::Exporter;

/// The JUnit exporter.
pub struct Junit;

use crate::render::escape::xml;

impl Exporter<Comparison> for Junit {
    fn write(&self, c: &Comparison, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let tests = c.points.len() + c.unmatched.len();
            let mut out = String::new();
            let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
            let _ = writeln!(
                out,
                r#"<testsuites name="nbench compare" tests="{tests}" failures="{}">"#,
                c.tally.regressions
            );
            let _ = writeln!(
                out,
                r#"  <testsuite name="nbench compare" tests="{tests}" failures="{}" errors="0" skipped="{}">"#,
                c.tally.regressions,
                c.unmatched.len()
            );
            for p in &c.points {
                let _ = write!(
                    out,
                    r#"    <testcase classname="{}" name="{}">"#,
                    xml(&p.probe),
                    xml(&p.name)
                );
                let detail = format!(
                    "{}: min {}, median {}, p95 {}; {}",
                    verdict_label(p),
                    pct(p.change_min),
                    pct(p.change_median),
                    pct(p.change_p95),
                    p.reasons.join("; ")
                );
                match p.verdict {
                    Verdict::Regression => {
                        let _ = write!(
                            out,
                            "\n      <failure message=\"{}\" type=\"regression\">{}</failure>\n    ",
                            xml(&verdict_label(p)),
                            xml(&detail)
                        );
                    }
                    Verdict::Pass => {}
                    _ => {
                        let _ = write!(
                            out,
                            "\n      <system-out>{}</system-out>\n    ",
                            xml(&detail)
                        );
                    }
                }
                let _ = writeln!(out, "</testcase>");
            }
            for u in &c.unmatched {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"unmatched\" name=\"{}\">\n      <skipped message=\"only in {}\"/>\n    </testcase>",
                    xml(&u.key),
                    xml(&u.side)
                );
            }
            let _ = writeln!(
                out,
                "    <system-out>{}</system-out>",
                xml(&verdict_line(c))
            );
            let _ = writeln!(out, "  </testsuite>\n</testsuites>");
            out
        };
        w.write_all(text.as_bytes())
    }
}
