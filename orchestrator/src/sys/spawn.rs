//! Starting a worker without copying nbench: `clone(CLONE_VM | CLONE_VFORK)`, the way
//! `posix_spawn` starts a process, with the few steps a worker needs between the clone and its
//! `exec` — the parent-death signal, its own process group, its core group's affinity, the
//! default signal dispositions, its stdio pipes and directory. `std::process::Command` can do
//! none of the first three without `pre_exec`, and `pre_exec` makes it `fork`: a copy of
//! nbench's page tables per attempt, measured at a quarter of a millisecond of each no-op
//! attempt's wall (`reports/sweep-budget.md`).
//!
//! The child shares nbench's memory until its `exec`, so between the clone and the `exec` it
//! makes raw system calls only — no allocation, no lock, no Rust runtime — on data the parent
//! prepared, and it reports a failed `exec` by writing the errno into that shared memory.
//! This module owns those steps and nothing else; what to run and why is the executor's.

use std::ffi::{CString, OsString};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{ChildStderr, ChildStdin, ChildStdout};
use std::sync::atomic::{AtomicI32, Ordering};

/// A started worker: its pid (also its process group) and the parent's ends of its pipes.
/// The caller reaps it (`wait4`).
pub struct Spawned {
    pub pid: u32,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    pub stderr: ChildStderr,
}

/// What the child reads between the clone and its `exec`: pointers into buffers the parent
/// keeps alive, because `CLONE_VFORK` suspends the parent until the `exec` (or `_exit`).
struct ChildPlan {
    path: *const libc::c_char,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    cwd: *const libc::c_char,
    /// The child's ends: stdin, stdout, stderr.
    fds: [libc::c_int; 3],
    cpus: libc::cpu_set_t,
    pin: bool,
    parent: libc::pid_t,
    /// The errno of the step that failed; 0 while all went well.
    errno: AtomicI32,
}

/// Bytes of stack for the child: it calls a few syscall wrappers and nothing else.
const CHILD_STACK: usize = 64 << 10;

/// Spawns `program` with piped stdio in a new process group, with `env` laid over nbench's
/// environment, pinned to `cpus` (none: unpinned) before its `main` runs, in `cwd` when given,
/// and set to get SIGKILL when the spawning thread dies.
pub fn spawn(
    program: &Path,
    args: &[String],
    cpus: &[u32],
    env: &[(String, String)],
    cwd: Option<&Path>,
) -> std::io::Result<Spawned> {
    let path = cstring(resolve(program)?.into_os_string().into_vec())?;
    let mut argv_owned = vec![cstring(program.as_os_str().as_bytes().to_vec())?];
    for a in args {
        argv_owned.push(cstring(a.as_bytes().to_vec())?);
    }
    let envp_owned = environment(env)?;
    let cwd_owned = cwd
        .map(|d| cstring(d.as_os_str().as_bytes().to_vec()))
        .transpose()?;
    let argv = null_terminated(&argv_owned);
    let envp = null_terminated(&envp_owned);

    let (in_r, in_w) = pipe()?;
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    // SAFETY: plain data; CPU_SET only writes bits of the set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus {
        unsafe { libc::CPU_SET(c as usize, &mut set) };
    }
    let plan = ChildPlan {
        path: path.as_ptr(),
        argv: argv.as_ptr(),
        envp: envp.as_ptr(),
        cwd: cwd_owned.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
        fds: [raw(&in_r), raw(&out_w), raw(&err_w)],
        cpus: set,
        pin: !cpus.is_empty(),
        // SAFETY: getpid cannot fail.
        parent: unsafe { libc::getpid() },
        errno: AtomicI32::new(0),
    };
    let mut stack = vec![0u8; CHILD_STACK];
    // SAFETY: the child runs `child` on its own stack with the plan above, both alive until
    // clone returns (CLONE_VFORK: after the child's exec or exit). Every signal is blocked
    // around the clone so that no handler of nbench's (the stop counters) runs in the child
    // before it has reset them.
    let pid = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let top = stack.as_mut_ptr().add(CHILD_STACK) as *mut libc::c_void;
        // The stack grows down from `top`, which must be 16-byte aligned on x86-64 and aarch64.
        let top = ((top as usize) & !15) as *mut libc::c_void;
        let pid = libc::clone(
            child,
            top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            &plan as *const ChildPlan as *mut libc::c_void,
        );
        let clone_err = std::io::Error::last_os_error();
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        if pid < 0 {
            return Err(clone_err);
        }
        pid
    };
    drop((in_r, out_w, err_w));
    let errno = plan.errno.load(Ordering::SeqCst);
    if errno != 0 {
        // The child has exited (127); reap it so it leaves no zombie.
        let _ = super::wait4(pid as u32);
        return Err(std::io::Error::from_raw_os_error(errno));
    }
    Ok(Spawned {
        pid: pid as u32,
        stdin: ChildStdin::from(in_w),
        stdout: ChildStdout::from(out_r),
        stderr: ChildStderr::from(err_r),
    })
}

/// The child, between the clone and its `exec`: raw system calls only.
extern "C" fn child(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the parent's plan, alive and unmoved while the parent is suspended;
    // every call below is a plain system call on prepared data.
    unsafe {
        let plan = &*(arg as *const ChildPlan);
        let fail = || {
            plan.errno
                .store(*libc::__errno_location(), Ordering::SeqCst);
            libc::_exit(127)
        };
        // Handlers nbench installed (the stop counters) must not run in the child before its
        // exec, and nbench's own ignored SIGPIPE would be inherited through it; dispositions
        // nbench inherited as ignored stay so, as with `Command`. Then unblock everything.
        for sig in 1..libc::SIGRTMIN() {
            let mut old: libc::sigaction = std::mem::zeroed();
            if sig == libc::SIGKILL
                || sig == libc::SIGSTOP
                || libc::sigaction(sig, std::ptr::null(), &mut old) != 0
            {
                continue;
            }
            if sig == libc::SIGPIPE || old.sa_sigaction != libc::SIG_IGN {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
            fail();
        }
        // The parent may have died between clone and prctl; then no signal will ever come.
        if libc::getppid() != plan.parent {
            libc::_exit(1);
        }
        if libc::setpgid(0, 0) != 0 {
            fail();
        }
        if plan.pin
            && libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &plan.cpus) != 0
        {
            fail();
        }
        if !plan.cwd.is_null() && libc::chdir(plan.cwd) != 0 {
            fail();
        }
        for (target, &fd) in plan.fds.iter().enumerate() {
            let target = target as libc::c_int;
            // dup2 onto itself keeps close-on-exec set; clear it instead.
            let ok = if fd == target {
                libc::fcntl(fd, libc::F_SETFD, 0) == 0
            } else {
                libc::dup2(fd, target) == target
            };
            if !ok {
                fail();
            }
        }
        libc::execve(plan.path, plan.argv, plan.envp);
        fail();
        127
    }
}

/// `program` as exec needs it: a name without a slash is looked up on `PATH`, as
/// `Command` does.
fn resolve(program: &Path) -> std::io::Result<PathBuf> {
    if program.as_os_str().as_bytes().contains(&b'/') {
        return Ok(program.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.is_file() && m.permissions().mode() & 0o111 != 0
            })
        })
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
}

/// nbench's environment with `over` laid on top, as `KEY=VALUE` strings.
fn environment(over: &[(String, String)]) -> std::io::Result<Vec<CString>> {
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| !over.iter().any(|(o, _)| k.as_bytes() == o.as_bytes()))
        .collect();
    vars.extend(over.iter().map(|(k, v)| (k.into(), v.into())));
    vars.into_iter()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            cstring(kv)
        })
        .collect()
}

fn cstring(bytes: Vec<u8>) -> std::io::Result<CString> {
    CString::new(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "an argument or environment variable contains a NUL byte",
        )
    })
}

fn null_terminated(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// A pipe whose both ends close on exec (the child's are dup'ed onto 0, 1 and 2).
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 fills two fds it owns from here on.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn raw(fd: &OwnedFd) -> libc::c_int {
    use std::os::fd::AsRawFd;
    fd.as_raw_fd()
}
