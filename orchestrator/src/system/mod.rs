//! Machine checks (`nbench system`, and the findings `nbench run` records): what on this
//! machine moves timings — CPU frequency and boost, SMT, isolation, ASLR, load and busy
//! processes, memory pressure, thermal and power state, perf permissions, and NumPy's BLAS.
//!
//! Each check is one small function in the file of its group; it reads through a [`Root`] (the
//! real `/`, or a fake `/sys` + `/proc` tree in tests), and reports a [`Check`]: what it found,
//! why that matters, and the command that would fix it. A file that is missing or unreadable
//! makes a check `unknown`, never an error or a panic. Checks only read: nothing here changes
//! the machine (`nbench system tune --print` prints the fixes; it does not run them).

pub mod cpu;
pub mod kernel;
pub mod load;
pub mod memory;
pub mod numpy;
pub mod power;
pub mod render;
mod root;
pub mod smt;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use root::{Root, cpulist, parse_cpulist};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing here moves timings.
    Ok,
    /// Timings on this machine are likely to move because of it.
    Warn,
    /// Worth knowing; not wrong in itself.
    Info,
    /// The machine does not expose it (a missing file, an interpreter that did not answer).
    Unknown,
}

impl Level {
    /// The lowercase name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Unknown => "unknown",
        }
    }
}

/// One check's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// `group.name`, e.g. `cpu.governor`; stable, for scripts.
    pub id: String,
    pub status: Level,
    /// What the check saw, one line.
    pub found: String,
    /// Why it matters for a benchmark.
    pub why: String,
    /// A shell command that would fix it (never run by nbench), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// A finding without a fix.
    pub fn new(id: &str, status: Level, found: impl Into<String>, why: &str) -> Check {
        Check {
            id: id.to_string(),
            status,
            found: found.into(),
            why: why.to_string(),
            fix: None,
        }
    }

    /// The same finding with the command that would fix it.
    pub fn fix(mut self, command: impl Into<String>) -> Check {
        self.fix = Some(command.into());
        self
    }
}

/// What the checks are run against.
#[derive(Debug, Clone)]
pub struct Context {
    pub root: Root,
    /// The CPU slots attempts run in (the scheduler's core groups).
    pub groups: Vec<Vec<u32>>,
    /// The variables that steer BLAS kernels, as the workers will inherit them.
    pub env: BTreeMap<String, String>,
    /// The interpreter for the NumPy checks and the variable that chose it; `None` leaves the
    /// NumPy checks out (a run without the numpy provider).
    pub python: Option<(PathBuf, String)>,
    /// How long the busy-process check watches CPU time (at least 200 ms on a real machine
    /// whose CPU time comes only in clock ticks).
    pub busy_window: Duration,
}

impl Context {
    /// Every CPU of every slot, ascending.
    pub fn cpus(&self) -> Vec<u32> {
        let mut all: Vec<u32> = self.groups.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

impl Context {
    /// The context of `nbench run`: the real machine, the run's slots, and the NumPy checks
    /// only when the run has numpy attempts (asking an interpreter costs a second or so).
    pub fn for_run(groups: Vec<Vec<u32>>, numpy: bool) -> Context {
        Context {
            root: Root::real(),
            groups,
            env: forcing_env(),
            python: numpy.then(|| crate::provider::interpreter("numpy", "cpu")),
            busy_window: Duration::from_millis(50),
        }
    }
}

/// The forcing variables ([`numpy::FORCING_VARS`]) set in nbench's own environment, which every
/// worker inherits.
pub fn forcing_env() -> BTreeMap<String, String> {
    numpy::FORCING_VARS
        .iter()
        // An empty value is treated as unset, as the libraries do.
        .filter_map(|(k, _)| {
            std::env::var(k)
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| (k.to_string(), v))
        })
        .collect()
}

/// Runs every check, in a fixed order.
pub fn run(ctx: &Context) -> Vec<Check> {
    let mut out = vec![
        cpu::governor(ctx),
        cpu::boost(ctx),
        smt::siblings(ctx),
        cpu::isolation(ctx),
        kernel::aslr(ctx),
        kernel::perf_event_paranoid(ctx),
        load::average(ctx),
        load::busy_processes(ctx),
        memory::pressure(ctx),
        power::thermal(ctx),
        power::supply(ctx),
        power::profile(ctx),
    ];
    if let Some(python) = &ctx.python {
        out.push(numpy::blas(ctx, python));
        out.push(numpy::env(ctx));
    }
    out
}

/// `nbench run`'s checks, made once before the first attempt over the run's slots (the NumPy
/// ones only when numpy attempts are planned), on a thread of their own: the busy-process
/// window (50 ms) then overlaps the rest of nbench's start-up (the worker's hash, `git`,
/// `rustc`, a provider's interpreter), whose processes it leaves out as nbench's own, instead of
/// adding to it. [`Pending::finish`] waits for them.
pub fn start_for_run(
    sched: &crate::scheduler::Scheduler,
    plan: &[crate::attempt::Attempt],
) -> Pending {
    let numpy = plan.iter().any(|a| a.provider == "numpy");
    let ctx = Context::for_run(sched.regime().core_groups, numpy);
    let spawned = std::thread::Builder::new()
        .name("nbench-system-checks".into())
        .spawn({
            let ctx = ctx.clone();
            move || run(&ctx)
        });
    match spawned {
        Ok(handle) => Pending(PendingState::Running(handle)),
        // No thread to be had: check here and now, as before.
        Err(_) => Pending(PendingState::Done(run(&ctx))),
    }
}

/// Machine checks under way, or none (a dry run, a resumed run).
#[derive(Default)]
pub struct Pending(PendingState);

#[derive(Default)]
enum PendingState {
    #[default]
    None,
    Running(std::thread::JoinHandle<Vec<Check>>),
    Done(Vec<Check>),
}

impl Pending {
    /// Waits for the checks, prints each warning to stderr, and returns all of them for the
    /// manifest.
    pub fn finish(self) -> Vec<Check> {
        let checks = match self.0 {
            PendingState::None => return Vec::new(),
            // A check that panicked leaves the run without findings, not without its rows.
            PendingState::Running(handle) => handle.join().unwrap_or_default(),
            PendingState::Done(checks) => checks,
        };
        for line in render::warning_lines(&checks) {
            eprintln!("{line}");
        }
        checks
    }
}

/// The checks that warn, for `nbench run`'s stderr.
pub fn warnings(checks: &[Check]) -> impl Iterator<Item = &Check> {
    checks.iter().filter(|c| c.status == Level::Warn)
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A throwaway fake root for the checks' unit tests.

    use super::*;

    /// A temporary directory the test writes `sys/…` and `proc/…` files into.
    pub struct Fixture {
        pub dir: PathBuf,
    }

    impl Fixture {
        pub fn new(name: &str) -> Fixture {
            let dir = std::env::temp_dir().join(format!(
                "nbench-system-{name}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("fixture dir");
            Fixture { dir }
        }

        pub fn file(self, rel: &str, text: &str) -> Fixture {
            let p = self.dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write fixture");
            self
        }

        pub fn ctx(&self, groups: Vec<Vec<u32>>) -> Context {
            Context {
                root: Root::at(&self.dir),
                groups,
                env: BTreeMap::new(),
                python: None,
                busy_window: Duration::from_millis(1),
            }
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
