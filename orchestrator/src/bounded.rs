//! Running a short helper process with a deadline: an interpreter asked what it has, a profiler
//! tried once before a run. The helper gets its own process group, both pipes are drained on
//! their own threads (a chatty helper never blocks), and at the deadline the whole group is
//! killed, so a hung helper can never hang nbench. It decides nothing about the output.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Each pipe keeps at most this much.
const PIPE_CAP: u64 = 1 << 20;

/// How a helper ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    /// The last non-empty line of stderr, for messages.
    pub fn last_stderr_line(&self) -> String {
        String::from_utf8_lossy(&self.stderr)
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_string()
    }
}

/// Runs `cmd` (stdin closed) to completion or to `deadline`; `Err` says why there is no
/// outcome: it could not start, or it was killed at the deadline.
pub fn run(cmd: &mut Command, deadline: Duration) -> Result<Finished, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(PIPE_CAP).read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let t0 = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if t0.elapsed() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                crate::runner::sys::kill_group(child.id());
                let _ = child.wait();
                return Err(format!(
                    "{program} did not finish within {:.1} s",
                    deadline.as_secs_f64()
                ));
            }
            Err(e) => return Err(format!("waiting for {program} failed: {e}")),
        }
    };
    // Whatever the helper left running in its group goes with it, so the pipes close.
    crate::runner::sys::kill_group(child.id());
    Ok(Finished {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_and_status_come_back() {
        let f = run(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            Duration::from_secs(10),
        )
        .expect("ran");
        assert_eq!(f.status.code(), Some(3));
        assert_eq!(f.stdout, b"out\n");
        assert_eq!(f.last_stderr_line(), "err");
    }

    #[test]
    fn a_hung_helper_and_its_children_are_killed_at_the_deadline() {
        let t0 = Instant::now();
        let err = run(
            Command::new("sh").args(["-c", "sleep 30 & sleep 30"]),
            Duration::from_millis(300),
        )
        .expect_err("hung");
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        assert_eq!(err, "sh did not finish within 0.3 s");
    }

    #[test]
    fn a_missing_program_says_so() {
        let err = run(
            &mut Command::new("/nonexistent/helper"),
            Duration::from_secs(1),
        )
        .expect_err("missing");
        assert!(err.starts_with("cannot run /nonexistent/helper: "), "{err}");
    }
}
