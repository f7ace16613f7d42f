//! Helper processes: every short-lived program nbench asks a question (`worker list`, `worker
//! gpus`, `worker materialize`, a provider's interpreter, git, rustc) runs through [`run`], so
//! none can hang nbench. Each runs in its own process group, set to die with nbench, with both
//! pipes drained on threads (a chatty helper never blocks on a full pipe, and a grandchild that
//! keeps a pipe open never blocks nbench); on its deadline or a stop signal the whole group is
//! killed and reaped. This module runs and reports; what an answer means is the caller's.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sys;

/// Most bytes kept of each of a helper's streams; the rest is read and dropped.
pub const MAX_OUTPUT: usize = 64 << 20;
/// Caps every helper deadline, in seconds (for tests of the deadlines themselves).
pub const DEADLINE_CAP_VAR: &str = "NBENCH_HELPER_DEADLINE_S";
/// How long the pipes may stay open after the helper exited and its group was killed.
const PIPE_GRACE: Duration = Duration::from_millis(500);
/// How long a SIGKILLed helper may take to be reaped before it is left behind.
const REAP_CAP: Duration = Duration::from_secs(2);

/// A helper that finished on its own.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    /// The last non-empty stderr line, for an error message.
    pub fn last_stderr_line(&self) -> String {
        let err = String::from_utf8_lossy(&self.stderr);
        err.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string()
    }
}

/// Why a helper gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The program could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    /// The deadline passed; the helper's process group was killed.
    #[error(
        "`{command}` did not finish within {deadline_s}s (nbench expected {expected}); its process group was killed"
    )]
    Timeout {
        command: String,
        deadline_s: f64,
        expected: String,
    },
    /// nbench received a stop signal while waiting.
    #[error("`{command}` was stopped because nbench was interrupted")]
    Interrupted { command: String },
    /// Waiting for the helper failed.
    #[error("cannot wait for `{command}`: {source}")]
    Wait {
        command: String,
        source: std::io::Error,
    },
}

/// Runs `cmd` with `input` on its stdin (else none), waiting at most `deadline`; `expected`
/// says what the answer should have been, for the timeout message.
pub fn run(
    mut cmd: Command,
    input: Option<Vec<u8>>,
    deadline: Duration,
    expected: &str,
) -> Result<Finished, HelperError> {
    let command = describe(&cmd);
    let deadline = deadline.min(deadline_cap());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    sys::die_with_parent(&mut cmd);
    let mut child = cmd.spawn().map_err(|source| HelperError::Spawn {
        command: command.clone(),
        source,
    })?;
    let _group = sys::GroupGuard(child.id());
    if let (Some(mut stdin), Some(bytes)) = (child.stdin.take(), input) {
        // A helper that exits without reading says why on stderr; EPIPE here is not the story.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }
    let (tx, rx) = mpsc::channel();
    let out = drain(child.stdout.take(), tx.clone());
    let err = drain(child.stderr.take(), tx);

    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(source) => return Err(HelperError::Wait { command, source }),
        }
        if sys::stops() > 0 {
            kill_and_reap(&mut child);
            return Err(HelperError::Interrupted { command });
        }
        if start.elapsed() >= deadline {
            kill_and_reap(&mut child);
            return Err(HelperError::Timeout {
                command,
                deadline_s: deadline.as_secs_f64(),
                expected: expected.to_string(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Whatever the helper left running in its group goes with it, so the pipes close.
    sys::kill_group(child.id());
    let until = Instant::now() + PIPE_GRACE;
    for _ in 0..2 {
        let left = until.saturating_duration_since(Instant::now());
        if rx.recv_timeout(left).is_err() {
            break;
        }
    }
    Ok(Finished {
        status,
        stdout: take(&out),
        stderr: take(&err),
    })
}

fn kill_and_reap(child: &mut Child) {
    sys::kill_group(child.id());
    let _ = child.kill();
    let until = Instant::now() + REAP_CAP;
    while Instant::now() < until {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

type Shared = Arc<Mutex<Vec<u8>>>;

/// Reads `stream` to its end on a thread into a shared bounded buffer; says so on `done`.
fn drain(stream: Option<impl Read + Send + 'static>, done: mpsc::Sender<()>) -> Shared {
    let buf: Shared = Arc::default();
    let keep = buf.clone();
    std::thread::spawn(move || {
        if let Some(mut s) = stream {
            let mut chunk = vec![0u8; 64 << 10];
            while let Ok(n) = s.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut b) = keep.lock() {
                    let room = MAX_OUTPUT.saturating_sub(b.len()).min(n);
                    b.extend_from_slice(&chunk[..room]);
                }
            }
        }
        let _ = done.send(());
    });
    buf
}

fn take(buf: &Shared) -> Vec<u8> {
    buf.lock()
        .map(|mut b| std::mem::take(&mut *b))
        .unwrap_or_default()
}

fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        // Interpreter scripts passed with `-c` are long; the program and flag name it.
        if a.len() > 60 || a.contains('\n') {
            parts.push("…".into());
        } else {
            parts.push(a.into_owned());
        }
    }
    parts.join(" ")
}

fn deadline_cap() -> Duration {
    std::env::var(DEADLINE_CAP_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[test]
    fn an_answer_comes_back_with_both_streams() {
        let f = run(
            sh("echo out; echo err >&2; exit 3"),
            None,
            Duration::from_secs(10),
            "a test",
        )
        .unwrap();
        assert_eq!(f.status.code(), Some(3));
        assert_eq!(f.stdout, b"out\n");
        assert_eq!(f.last_stderr_line(), "err");
    }

    #[test]
    fn a_hanging_helper_is_killed_at_its_deadline_with_a_message_naming_it() {
        let t0 = Instant::now();
        let e = run(
            sh("sleep 30"),
            None,
            Duration::from_millis(300),
            "an answer",
        )
        .unwrap_err();
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        let msg = e.to_string();
        assert!(
            msg.contains("sh -c") && msg.contains("0.3s") && msg.contains("an answer"),
            "{msg}"
        );
    }

    #[test]
    fn a_grandchild_holding_the_pipes_does_not_hold_nbench() {
        // The helper answers and exits; its background child keeps stdout open for 30 s.
        let t0 = Instant::now();
        let f = run(
            sh("echo answer; sleep 30 & exit 0"),
            None,
            Duration::from_secs(20),
            "an answer",
        )
        .unwrap();
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        assert_eq!(f.stdout, b"answer\n");
    }

    #[test]
    fn input_reaches_the_helper() {
        let f = run(
            sh("read x; echo got $x"),
            Some(b"it\n".to_vec()),
            Duration::from_secs(10),
            "an echo",
        )
        .unwrap();
        assert_eq!(f.stdout, b"got it\n");
    }
}
