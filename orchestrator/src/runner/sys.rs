//! The operating-system edge of the runner: spawning a worker pinned to its cores in its own
//! process group, reaping it with `wait4` (for `ru_maxrss`), and killing a whole group. Unsafe
//! code lives here and nowhere else in the runner; this module makes no decisions.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

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

/// Spawns `program` with piped stdio, in a new process group, pinned to `cpus` before its
/// `main` runs, in `cwd` when given (a profiled attempt's artifact directory).
pub fn spawn(
    program: &Path,
    args: &[String],
    cpus: &[u32],
    env: &[(String, String)],
    cwd: Option<&Path>,
) -> std::io::Result<Child> {
    let mut cmd = Command::new(program);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    // SAFETY: the set is built before fork; the closure only makes the async-signal-safe
    // sched_setaffinity syscall.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus {
        unsafe { libc::CPU_SET(c as usize, &mut set) };
    }
    let pin = !cpus.is_empty();
    unsafe {
        cmd.pre_exec(move || {
            if pin && libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
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
