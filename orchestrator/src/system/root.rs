//! Where the checks read the machine from: `/` normally, a fake `/sys` + `/proc` tree in tests.
//! Every read goes through [`Root`], and a file that is missing or unreadable is `None`, never an
//! error: a check turns that into `unknown`. This module only reads; it interprets nothing but
//! the kernel's CPU-list syntax.

use std::path::{Path, PathBuf};

/// The filesystem root the checks read `sys/…` and `proc/…` under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root(PathBuf);

impl Root {
    /// The machine itself.
    pub fn real() -> Root {
        Root(PathBuf::from("/"))
    }

    /// A fake tree (tests, `nbench system --root`).
    pub fn at(dir: impl Into<PathBuf>) -> Root {
        Root(dir.into())
    }

    /// Whether this is the machine itself, not a fixture.
    pub fn is_real(&self) -> bool {
        self.0 == Path::new("/")
    }

    /// `rel` (written without a leading slash, e.g. `proc/loadavg`) under the root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel.trim_start_matches('/'))
    }

    /// The file's text, trimmed; `None` when it is missing, unreadable or empty.
    pub fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.path(rel))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// The file parsed as one number.
    pub fn number<T: std::str::FromStr>(&self, rel: &str) -> Option<T> {
        self.read(rel)?.parse().ok()
    }

    /// The names in a directory, sorted; empty when it is missing.
    pub fn list(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(rel))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// Parses the kernel's CPU-list syntax (`0-3,6,8-9`); `None` on anything else. An empty text is
/// the empty list (`/sys/devices/system/cpu/isolated` on most machines).
pub fn parse_cpulist(text: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.trim().is_empty()) {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
                if b < a || b - a > 1 << 16 {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().ok()?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Writes CPUs in the kernel's syntax, ranges collapsed: `[0,1,2,3,6]` → `0-3,6`.
pub fn cpulist(cpus: &[u32]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpulists_round_trip() {
        assert_eq!(parse_cpulist("0-3,6,8-9"), Some(vec![0, 1, 2, 3, 6, 8, 9]));
        assert_eq!(parse_cpulist(""), Some(vec![]));
        assert_eq!(parse_cpulist("3-1"), None);
        assert_eq!(parse_cpulist("(null)"), None);
        assert_eq!(cpulist(&[6, 0, 1, 2, 3, 9, 8]), "0-3,6,8-9");
        assert_eq!(cpulist(&[]), "none");
    }

    #[test]
    fn missing_files_read_as_none() {
        let r = Root::at("/nonexistent-nbench-root");
        assert_eq!(r.read("proc/loadavg"), None);
        assert!(r.list("sys/class/thermal").is_empty());
        assert!(!r.is_real());
        assert!(Root::real().is_real());
    }
}
