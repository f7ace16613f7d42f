//! The memory-pressure check: pressure stall information (`/proc/pressure/memory`) when the
//! kernel has it, else the share of memory still available (`MemAvailable` in
//! `/proc/meminfo`). Reads `/proc` only.

use super::{Check, Context, Level};

const WHY: &str = "under memory pressure the kernel reclaims and compacts memory while workers \
    run and their page faults stall, so large-input attempts slow down by however much other \
    processes happen to hold";

/// `some avg10` above this (percent of the last 10 s in which some task stalled on memory) warns.
const SOME_LIMIT: f64 = 1.0;
/// Less than this share of memory available warns when there is no PSI.
const AVAILABLE_LIMIT: f64 = 0.10;

const FIX: &str = "ps -eo pid,rss,comm --sort=-rss | head -n 10  # what holds the memory";

/// Memory pressure now.
pub fn pressure(ctx: &Context) -> Check {
    let id = "memory.pressure";
    let available = available(ctx);
    let avail_text = available
        .map(|(a, t)| format!("; {} of {} MiB available", a >> 20, t >> 20))
        .unwrap_or_default();
    if let Some(text) = ctx.root.read("proc/pressure/memory") {
        let some = avg10(&text, "some");
        let full = avg10(&text, "full");
        if let Some(some) = some {
            let full_text = full
                .map(|f| format!(", all tasks {f:.2} %"))
                .unwrap_or_default();
            let found = format!(
                "some task stalled on memory {some:.2} % of the last 10 s{full_text}{avail_text}"
            );
            let bad = some > SOME_LIMIT || full.is_some_and(|f| f > 0.0);
            return if bad {
                Check::new(id, Level::Warn, found, WHY).fix(FIX)
            } else {
                Check::new(id, Level::Ok, found, WHY)
            };
        }
    }
    match available {
        Some((avail, total)) if total > 0 => {
            let share = avail as f64 / total as f64;
            let found = format!(
                "no pressure stall information; {} of {} MiB available ({:.0} %)",
                avail >> 20,
                total >> 20,
                share * 100.0
            );
            if share < AVAILABLE_LIMIT {
                Check::new(id, Level::Warn, found, WHY).fix(FIX)
            } else {
                Check::new(id, Level::Ok, found, WHY)
            }
        }
        _ => Check::new(
            id,
            Level::Unknown,
            "neither /proc/pressure/memory nor MemAvailable in /proc/meminfo is readable",
            WHY,
        ),
    }
}

/// `avg10` of the `some` or `full` line of a PSI file.
fn avg10(text: &str, kind: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with(kind))?;
    line.split_whitespace()
        .find_map(|f| f.strip_prefix("avg10="))?
        .parse()
        .ok()
}

/// `(MemAvailable, MemTotal)` in bytes.
fn available(ctx: &Context) -> Option<(u64, u64)> {
    let text = ctx.root.read("proc/meminfo")?;
    let kib = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    };
    Some((kib("MemAvailable:")? * 1024, kib("MemTotal:")? * 1024))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    const MEMINFO: &str =
        "MemTotal:        8000000 kB\nMemFree:  100 kB\nMemAvailable:     400000 kB\n";

    #[test]
    fn psi_decides_when_present() {
        let f = Fixture::new("psi-hi")
            .file(
                "proc/pressure/memory",
                "some avg10=12.50 avg60=3.00 avg300=1.00 total=99\nfull avg10=4.00 avg60=1.00 avg300=0.10 total=9\n",
            )
            .file("proc/meminfo", MEMINFO);
        let c = pressure(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Warn);
        assert_eq!(
            c.found,
            "some task stalled on memory 12.50 % of the last 10 s, all tasks 4.00 %; 390 of 7812 MiB available"
        );
        let f = Fixture::new("psi-lo").file(
            "proc/pressure/memory",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        );
        assert_eq!(pressure(&f.ctx(vec![vec![0]])).status, Level::Ok);
    }

    #[test]
    fn meminfo_decides_without_psi() {
        let f = Fixture::new("meminfo-lo").file("proc/meminfo", MEMINFO);
        let c = pressure(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Warn, "{c:?}");
        assert!(c.found.contains("(5 %)"), "{}", c.found);
        let f = Fixture::new("meminfo-none");
        assert_eq!(pressure(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }
}
