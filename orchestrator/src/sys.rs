//! The operating-system edge of the runner: spawning a worker pinned to its cores in its own
//! process group and set to die with nbench (`spawn`: without copying nbench), reaping it with
//! `wait4` (for `ru_maxrss`), killing a whole group, and counting the stop signals (SIGINT, SIGTERM, SIGHUP) nbench has
//! received. The runner's and the helpers' unsafe code lives here and nowhere else; this
//! module makes no decisions.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

mod spawn;
pub use spawn::{Spawned, spawn};

/// Thread-count variables set to the core group's size for every worker.
pub const THREAD_VARS: [&str; 4] = [
    "RAYON_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
];

/// How a reaped worker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// `ru_maxrss` in bytes.
    pub max_rss: u64,
}

/// Makes the child of `cmd` get SIGKILL when the thread that spawns it dies, so a worker or
/// helper never outlives nbench, even a SIGKILLed nbench. The kernel ties the signal to the
/// spawning *thread*: spawn from threads that live as long as the child matters (the main
/// thread, the async runtime's workers), never from a short-lived one.
pub fn die_with_parent(cmd: &mut Command) {
    // SAFETY: getpid before fork; the closure makes only the async-signal-safe prctl, getppid
    // and _exit calls.
    let parent = unsafe { libc::getpid() };
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl; then no signal will ever come.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// Blocks until `pid` exits and reaps it with `wait4`.
pub fn wait4(pid: u32) -> std::io::Result<Reaped> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data filled by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if r == pid as libc::pid_t {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let (exit_code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Ok(Reaped {
        exit_code,
        signal,
        max_rss: (usage.ru_maxrss.max(0) as u64) * 1024,
    })
}

/// Sends SIGKILL to the whole process group led by `pgid` (the worker and anything it spawned).
pub fn kill_group(pgid: u32) {
    // SAFETY: plain syscall; ESRCH (group already gone) is fine.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), libc::SIGKILL);
    }
}

/// Kills a worker's process group when dropped: a worker is never orphaned, whether its
/// executor finishes, is cancelled, or unwinds from a panic.
pub struct GroupGuard(pub u32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0);
    }
}

static STOPS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_stop(_: libc::c_int) {
    STOPS.fetch_add(1, Ordering::SeqCst);
}

/// Installs the stop handlers: from here on SIGINT, SIGTERM and SIGHUP are only counted
/// ([`stops`]); whoever is waiting decides what a stop means. Idempotent.
pub fn install_stop_handlers() -> std::io::Result<()> {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only increments an atomic, which is async-signal-safe; the
        // sigaction struct is plain data. SA_RESTART keeps blocking reads from failing EINTR.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// How many stop signals nbench has received since the handlers were installed.
pub fn stops() -> usize {
    STOPS.load(Ordering::SeqCst)
}

/// A signal's conventional name.
pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGXCPU => "SIGXCPU",
        _ => "signal",
    }
}
