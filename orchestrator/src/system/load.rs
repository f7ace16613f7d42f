//! Load checks: the load average, and which other processes are using CPU right now (their CPU
//! time, read twice from `/proc/<pid>/stat` across a short window). Reads `/proc` only; it never
//! signals or renices anything.
//!
//! "Other" means neither nbench nor a child of nbench: `nbench run` watches the window while it
//! asks `git`, `rustc` and its workers for its provenance (`system::Pending`), and those helpers
//! finish before the first attempt; they compete with no worker.

use std::collections::BTreeMap;
use std::time::Duration;

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

/// The shortest window the check watches when CPU time comes in clock ticks (10 ms each at
/// the usual 100 Hz): 10 % of a CPU must be at least two ticks to be told from rounding.
const TICKS_WINDOW: Duration = Duration::from_millis(200);

/// One process's name and CPU time so far, in nanoseconds.
type Sample = BTreeMap<u32, (String, u64)>;

/// Where CPU time is read from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Clock {
    /// Each thread's `/proc/<pid>/task/<tid>/schedstat`: nanoseconds on a CPU, summed.
    Schedstat,
    /// `utime + stime` of `/proc/<pid>/stat`, in ticks of this many nanoseconds.
    Ticks(u64),
}

/// Other processes that used at least 10 % of a CPU during the context's window.
pub fn busy_processes(ctx: &Context) -> Check {
    let id = "load.busy_processes";
    // A kernel with scheduler statistics gives nanoseconds, so a short window is exact; else
    // the ticks need the longer one.
    let (clock, window) = if !ctx.root.is_real() {
        // A fixture's `stat` files count in the usual 100 Hz ticks, over its own window.
        (Clock::Ticks(10_000_000), ctx.busy_window)
    } else if ctx.root.read("proc/self/schedstat").is_some() {
        (Clock::Schedstat, ctx.busy_window)
    } else {
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let tick_ns = 1_000_000_000 / if hz > 0 { hz as u64 } else { 100 };
        (Clock::Ticks(tick_ns), ctx.busy_window.max(TICKS_WINDOW))
    };
    // Each process is read at about the same offset into both passes, so the time between the
    // passes' starts is its interval: the sleep alone would undercount it.
    let t0 = std::time::Instant::now();
    let before = sample(ctx, clock);
    if before.is_empty() {
        return Check::new(
            id,
            Level::Unknown,
            "no /proc/<pid>/stat is readable",
            BUSY_WHY,
        );
    }
    std::thread::sleep(window);
    let interval = t0.elapsed();
    let after = sample(ctx, clock);
    let busy = busiest(&before, &after, interval.as_secs_f64().max(1e-3));
    let watched = format!(
        "{} processes watched for {} ms",
        after.len(),
        window.as_millis()
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

/// Every readable process's CPU time, except nbench itself and its own children when reading
/// the real machine.
fn sample(ctx: &Context, clock: Clock) -> Sample {
    let me = ctx.root.is_real().then(std::process::id);
    ctx.root
        .list("proc")
        .iter()
        .filter_map(|name| name.parse::<u32>().ok())
        .filter(|&pid| Some(pid) != me)
        .filter_map(|pid| {
            let stat = ctx.root.read(&format!("proc/{pid}/stat"))?;
            let s = parse_stat(&stat)?;
            if Some(s.ppid) == me {
                return None;
            }
            let ns = match clock {
                Clock::Schedstat => on_cpu_ns(ctx, pid)?,
                Clock::Ticks(tick_ns) => s.cpu_ticks.saturating_mul(tick_ns),
            };
            Some((pid, (s.comm, ns)))
        })
        .collect()
}

/// Nanoseconds the threads of `pid` alive now have spent on a CPU: the first field of each
/// `/proc/<pid>/task/<tid>/schedstat`. `None` when none is readable (the process is gone).
fn on_cpu_ns(ctx: &Context, pid: u32) -> Option<u64> {
    let tasks = ctx.root.list(&format!("proc/{pid}/task"));
    let per_thread = tasks.iter().filter_map(|tid| {
        let line = ctx.root.read(&format!("proc/{pid}/task/{tid}/schedstat"))?;
        line.split_whitespace().next()?.parse::<u64>().ok()
    });
    per_thread.fold(None, |sum, ns| Some(sum.unwrap_or(0) + ns))
}

/// What the busy check reads of one `/proc/<pid>/stat` line.
#[derive(Debug, PartialEq)]
struct Stat {
    comm: String,
    ppid: u32,
    /// `utime + stime`, in clock ticks.
    cpu_ticks: u64,
}

/// One `/proc/<pid>/stat` line. The name is in parentheses and may itself contain spaces and
/// parentheses, so fields are counted from the last `)`.
fn parse_stat(line: &str) -> Option<Stat> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let comm = line.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = line.get(close + 1..)?.split_whitespace().collect();
    // After the name: state is field 3 of the line, ppid 4, utime 14 and stime 15.
    let ppid: u32 = rest.get(1)?.parse().ok()?;
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    Some(Stat {
        comm,
        ppid,
        cpu_ticks: utime + stime,
    })
}

/// Processes present in both samples whose CPU share over the window reached [`BUSY_SHARE`],
/// busiest first.
fn busiest(before: &Sample, after: &Sample, window_s: f64) -> Vec<(u32, String, f64)> {
    let mut out: Vec<(u32, String, f64)> = after
        .iter()
        .filter_map(|(pid, (comm, t1))| {
            let (_, t0) = before.get(pid)?;
            let share = t1.saturating_sub(*t0) as f64 * 1e-9 / window_s;
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
            Some(Stat {
                comm: "tmux: server (x)".to_string(),
                ppid: 1,
                cpu_ticks: 42
            })
        );
        assert_eq!(parse_stat("42 (short) R 1"), None);
    }

    #[test]
    fn busiest_ranks_by_share_and_drops_the_idle_and_the_new() {
        let before: Sample = [
            (10, ("spin".into(), 1_000_000_000)),
            (11, ("idle".into(), 500_000_000)),
            (12, ("half".into(), 0)),
        ]
        .into();
        let after: Sample = [
            (10, ("spin".into(), 2_000_000_000)),
            (11, ("idle".into(), 510_000_000)),
            (12, ("half".into(), 500_000_000)),
            (13, ("new".into(), 5_000_000_000)),
        ]
        .into();
        let got = busiest(&before, &after, 1.0);
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
    fn a_real_spinning_process_is_named_and_a_child_of_nbench_is_not() {
        use std::io::BufRead;
        // Our child spins and starts a spinning grandchild: the child stands for one of
        // nbench's own helpers (left out), the grandchild for another user's process (named).
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "sh -c 'while :; do :; done' & echo $!; exec sh -c 'while :; do :; done'",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn a spinning shell");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the grandchild's pid");
        let grandchild: i32 = line.trim().parse().expect("a pid");
        let ctx = Context {
            root: Root::real(),
            groups: vec![vec![0]],
            env: Default::default(),
            python: None,
            busy_window: Duration::from_millis(400),
        };
        let c = busy_processes(&ctx);
        // SAFETY: kill has no memory preconditions; the pid is the grandchild we started.
        unsafe { libc::kill(grandchild, libc::SIGKILL) };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(c.status, Level::Warn, "{c:?}");
        // The finding names the busiest five; the fix lists every busy one.
        let fixed: Vec<&str> = c.fix.as_deref().unwrap_or("").split_whitespace().collect();
        assert!(fixed.contains(&grandchild.to_string().as_str()), "{c:?}");
        assert!(!fixed.contains(&child.id().to_string().as_str()), "{c:?}");
    }
}
