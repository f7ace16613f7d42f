//! Load checks: the load average, and which other processes are using CPU right now (their CPU
//! time, read twice from `/proc/<pid>/stat` across a short window). Reads `/proc` only; it never
//! signals or renices anything.

use std::collections::BTreeMap;

use super::{Check, Context, Level};

const AVERAGE_WHY: &str = "the load average counts runnable tasks; at 1 or more some other \
    work is competing with the workers for CPUs, caches and memory bandwidth";

/// A load at or above this means at least one CPU's worth of other work.
const LOAD_LIMIT: f64 = 1.0;

/// `/proc/loadavg`.
pub fn average(ctx: &Context) -> Check {
    let id = "load.average";
    let Some(text) = ctx.root.read("proc/loadavg") else {
        return Check::new(
            id,
            Level::Unknown,
            "/proc/loadavg is not readable",
            AVERAGE_WHY,
        );
    };
    let v: Vec<f64> = text
        .split_whitespace()
        .take(3)
        .filter_map(|x| x.parse().ok())
        .collect();
    let [one, five, fifteen] = v[..] else {
        return Check::new(
            id,
            Level::Unknown,
            format!("/proc/loadavg does not start with three numbers: `{text}`"),
            AVERAGE_WHY,
        );
    };
    let found = format!("{one:.2} over 1 minute ({five:.2} over 5, {fifteen:.2} over 15)");
    if one >= LOAD_LIMIT {
        // The fix is load.busy_processes's: it names who is busy.
        Check::new(id, Level::Warn, found, AVERAGE_WHY)
    } else {
        Check::new(id, Level::Ok, found, AVERAGE_WHY)
    }
}

const BUSY_WHY: &str = "a process using CPU while attempts run takes cycles, cache and memory \
    bandwidth from them, and the scheduler may preempt a worker for it; stop it, or renice it \
    so the workers win";

/// A process using at least this share of one CPU during the window counts as busy.
const BUSY_SHARE: f64 = 0.10;
/// How many busy processes the finding names.
const SHOWN: usize = 5;

/// One process's name and CPU time so far, in clock ticks.
type Sample = BTreeMap<u32, (String, u64)>;

/// Other processes that used at least 10 % of a CPU during the context's window.
pub fn busy_processes(ctx: &Context) -> Check {
    let id = "load.busy_processes";
    let before = sample(ctx);
    if before.is_empty() {
        return Check::new(
            id,
            Level::Unknown,
            "no /proc/<pid>/stat is readable",
            BUSY_WHY,
        );
    }
    std::thread::sleep(ctx.busy_window);
    let after = sample(ctx);
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as f64 } else { 100.0 };
    let window = ctx.busy_window.as_secs_f64().max(1e-3);
    let busy = busiest(&before, &after, ticks, window);
    let watched = format!(
        "{} processes watched for {:.1} s",
        after.len(),
        ctx.busy_window.as_secs_f64()
    );
    if busy.is_empty() {
        return Check::new(
            id,
            Level::Ok,
            format!("no other process used 10 % of a CPU or more ({watched})"),
            BUSY_WHY,
        );
    }
    let named: Vec<String> = busy
        .iter()
        .take(SHOWN)
        .map(|(pid, comm, share)| format!("{comm} (pid {pid}) {:.0} %", share * 100.0))
        .collect();
    let more = busy.len().saturating_sub(SHOWN);
    let found = format!(
        "{}{} ({watched})",
        named.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    let pids: Vec<String> = busy.iter().map(|(p, _, _)| p.to_string()).collect();
    Check::new(id, Level::Warn, found, BUSY_WHY)
        .fix(format!("sudo renice -n 19 -p {}", pids.join(" ")))
}

/// Every readable process's CPU time, except nbench itself when reading the real machine.
fn sample(ctx: &Context) -> Sample {
    let me = ctx.root.is_real().then(std::process::id);
    ctx.root
        .list("proc")
        .iter()
        .filter_map(|name| name.parse::<u32>().ok())
        .filter(|&pid| Some(pid) != me)
        .filter_map(|pid| {
            let stat = ctx.root.read(&format!("proc/{pid}/stat"))?;
            parse_stat(&stat).map(|s| (pid, s))
        })
        .collect()
}

/// `(comm, utime + stime)` from one `/proc/<pid>/stat` line. The name is in parentheses and may
/// itself contain spaces and parentheses, so fields are counted from the last `)`.
fn parse_stat(line: &str) -> Option<(String, u64)> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let comm = line.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = line.get(close + 1..)?.split_whitespace().collect();
    // After the name: state is field 3 of the line, utime 14 and stime 15.
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// Processes present in both samples whose CPU share over the window reached [`BUSY_SHARE`],
/// busiest first.
fn busiest(before: &Sample, after: &Sample, ticks: f64, window_s: f64) -> Vec<(u32, String, f64)> {
    let mut out: Vec<(u32, String, f64)> = after
        .iter()
        .filter_map(|(pid, (comm, t1))| {
            let (_, t0) = before.get(pid)?;
            let share = t1.saturating_sub(*t0) as f64 / ticks / window_s;
            (share >= BUSY_SHARE).then(|| (*pid, comm.clone(), share))
        })
        .collect();
    out.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::super::{Context, Root};
    use super::*;
    use std::time::Duration;

    fn stat(pid: u32, comm: &str, utime: u64, stime: u64) -> String {
        format!(
            "{pid} ({comm}) R 1 {pid} {pid} 0 -1 4194304 100 0 0 0 {utime} {stime} 0 0 20 0 1 0 1000 1000 100\n"
        )
    }

    #[test]
    fn load_average_warns_at_one() {
        let f = Fixture::new("load-hi").file("proc/loadavg", "2.06 1.17 0.48 3/110 8189\n");
        let c = average(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Warn);
        assert_eq!(c.found, "2.06 over 1 minute (1.17 over 5, 0.48 over 15)");
        let f = Fixture::new("load-lo").file("proc/loadavg", "0.10 0.20 0.30 1/90 12\n");
        assert_eq!(average(&f.ctx(vec![vec![0]])).status, Level::Ok);
        let f = Fixture::new("load-bad").file("proc/loadavg", "garbage\n");
        assert_eq!(average(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }

    #[test]
    fn stat_names_may_hold_spaces_and_parentheses() {
        assert_eq!(
            parse_stat(&stat(42, "tmux: server (x)", 30, 12)),
            Some(("tmux: server (x)".to_string(), 42))
        );
        assert_eq!(parse_stat("42 (short) R 1"), None);
    }

    #[test]
    fn busiest_ranks_by_share_and_drops_the_idle_and_the_new() {
        let before: Sample = [
            (10, ("spin".into(), 100)),
            (11, ("idle".into(), 50)),
            (12, ("half".into(), 0)),
        ]
        .into();
        let after: Sample = [
            (10, ("spin".into(), 200)),
            (11, ("idle".into(), 51)),
            (12, ("half".into(), 50)),
            (13, ("new".into(), 500)),
        ]
        .into();
        let got = busiest(&before, &after, 100.0, 1.0);
        let names: Vec<(&str, f64)> = got.iter().map(|(_, c, s)| (c.as_str(), *s)).collect();
        assert_eq!(names, vec![("spin", 1.0), ("half", 0.5)]);
    }

    #[test]
    fn a_fixture_with_no_processes_is_unknown_and_a_still_one_is_ok() {
        let f = Fixture::new("busy-none");
        assert_eq!(busy_processes(&f.ctx(vec![vec![0]])).status, Level::Unknown);
        let f = Fixture::new("busy-still").file("proc/7/stat", &stat(7, "sleepy", 5, 5));
        let c = busy_processes(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Ok, "{c:?}");
    }

    #[test]
    fn a_real_spinning_process_is_named() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("spawn a spinning shell");
        let ctx = Context {
            root: Root::real(),
            groups: vec![vec![0]],
            env: Default::default(),
            python: None,
            busy_window: Duration::from_millis(400),
        };
        let c = busy_processes(&ctx);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(c.status, Level::Warn, "{c:?}");
        // The finding names the busiest five; the fix lists every busy one.
        let pid = child.id().to_string();
        assert!(
            c.fix
                .as_deref()
                .is_some_and(|f| f.split_whitespace().any(|w| w == pid)),
            "{c:?}"
        );
    }
}
