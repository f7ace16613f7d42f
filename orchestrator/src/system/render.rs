//! How `nbench system` prints its findings: a plain-text listing, JSON, and the fix commands of
//! `nbench system tune --print`. Deterministic for the same checks; it adds nothing of its own
//! (no host name, no time), so a fixture root renders the same bytes everywhere.

use std::fmt::Write;

use super::{Check, Level};

/// One block per check (id, status, found, why, fix), then the counts.
pub fn table(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        let _ = writeln!(out, "{:<width$}  {}", c.id, c.status.as_str());
        let _ = writeln!(out, "  found: {}", c.found);
        let _ = writeln!(out, "  why:   {}", c.why);
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "  fix:   {fix}");
        }
    }
    let _ = writeln!(out, "\n{}", counts(checks));
    out
}

/// `13 checks: 2 warn, 3 info, 5 ok, 3 unknown` (levels with no check left out).
pub fn counts(checks: &[Check]) -> String {
    let parts: Vec<String> = [Level::Warn, Level::Info, Level::Ok, Level::Unknown]
        .iter()
        .filter_map(|l| {
            let n = checks.iter().filter(|c| c.status == *l).count();
            (n > 0).then(|| format!("{n} {}", l.as_str()))
        })
        .collect();
    format!("{} checks: {}", checks.len(), parts.join(", "))
}

/// `{"checks": […]}`, pretty-printed, fields in declaration order.
pub fn json(checks: &[Check]) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        checks: &'a [Check],
    }
    // A Vec of plain strings and enums always serializes.
    let mut text = serde_json::to_string_pretty(&Doc { checks }).unwrap_or_default();
    text.push('\n');
    text
}

/// The fix of every check that is not `ok`, as a shell script of comments and commands; warnings
/// first. Nothing is run.
pub fn tune(checks: &[Check]) -> String {
    let mut out = String::from(
        "# The commands that would fix what `nbench system` found. nbench runs none of them:\n\
         # review each one (most need root, some last until reboot) before running it.\n",
    );
    let mut with_fix: Vec<&Check> = checks
        .iter()
        .filter(|c| c.status != Level::Ok && c.fix.is_some())
        .collect();
    with_fix.sort_by_key(|c| c.status);
    if with_fix.is_empty() {
        out.push_str("# nothing to fix\n");
    }
    for c in with_fix {
        let _ = writeln!(out, "\n# {} ({}): {}", c.id, c.status.as_str(), c.found);
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "{fix}");
        }
    }
    out
}

/// One stderr line per warning, for `nbench run` before its first attempt.
pub fn warning_lines(checks: &[Check]) -> Vec<String> {
    super::warnings(checks)
        .map(|c| {
            let fix = c
                .fix
                .as_deref()
                .map(|f| format!(" (fix: {f})"))
                .unwrap_or_default();
            format!("nbench: warning: {}: {}{fix}", c.id, c.found)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks() -> Vec<Check> {
        vec![
            Check::new("a.one", Level::Ok, "fine", "because"),
            Check::new("a.two", Level::Info, "noted", "because").fix("do-info"),
            Check::new("b.three", Level::Warn, "bad", "because").fix("do-warn"),
            Check::new("b.four", Level::Unknown, "not exposed", "because"),
        ]
    }

    #[test]
    fn tune_lists_fixes_of_non_ok_checks_warnings_first() {
        let t = tune(&checks());
        let warn = t.find("do-warn").expect("warn fix");
        let info = t.find("do-info").expect("info fix");
        assert!(warn < info, "{t}");
        assert!(t.contains("# b.three (warn): bad\ndo-warn\n"), "{t}");
        assert!(tune(&checks()[..1]).contains("# nothing to fix"));
    }

    #[test]
    fn counts_and_warning_lines() {
        assert_eq!(
            counts(&checks()),
            "4 checks: 1 warn, 1 info, 1 ok, 1 unknown"
        );
        assert_eq!(
            warning_lines(&checks()),
            vec!["nbench: warning: b.three: bad (fix: do-warn)".to_string()]
        );
    }
}
