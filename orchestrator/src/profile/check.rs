//! Whether a `--profile` tool can run here, decided before anything runs: its program must be
//! installed, and a `perf` preset must be permitted (perf events allowed by
//! `perf_event_paranoid`, the events it counts available) — found by profiling `true` once
//! with the same preset. A refusal names what is missing and how to get it (exit 2).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::Profiler;
use crate::error::{Error, Result};
use crate::helper;

/// The trial run gets this long.
const TRIAL_DEADLINE: Duration = Duration::from_secs(20);

/// Refuses `p` unless its program is installed and, for `perf`, permitted.
pub fn usable(p: &Profiler) -> Result<()> {
    let program = p.program();
    let Some(path) = find(program) else {
        return Err(Error::bad(format!(
            "--profile {}: the profiler `{program}` is not installed (not found {}); {}",
            p.spec,
            if program.contains('/') {
                "at that path".to_string()
            } else {
                "on PATH".to_string()
            },
            install_hint(program)
        )));
    };
    if !p.is_perf() {
        return Ok(());
    }
    let scratch = std::env::temp_dir().join(format!("nbench-perf-trial-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|source| Error::Unwritable {
        path: scratch.clone(),
        source,
    })?;
    let (mut words, _) = p.wrapper(&scratch);
    words.remove(0);
    words.push("true".into());
    let mut trial = Command::new(&path);
    trial.args(&words);
    let outcome = helper::run(
        trial,
        None,
        TRIAL_DEADLINE,
        "the profiler to profile `true`",
    )
    .map_err(|e| e.to_string());
    let _ = std::fs::remove_dir_all(&scratch);
    let why = match outcome {
        Ok(done) if done.status.success() => return Ok(()),
        Ok(done) => format!(
            "`perf {}` failed ({}): {}",
            words.join(" "),
            done.status,
            done.last_stderr_line()
        ),
        Err(e) => e,
    };
    let paranoid = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unreadable".into());
    let pmu = Path::new("/sys/bus/event_source/devices/cpu").exists();
    Err(Error::bad(format!(
        "--profile {}: perf is installed but may not profile here (perf_event_paranoid {paranoid}, {}): {why}; \
         allow it with `echo 1 | sudo tee /proc/sys/kernel/perf_event_paranoid` or run as root",
        p.spec,
        if pmu {
            "a hardware PMU is exposed"
        } else {
            "no hardware PMU: software events only"
        }
    )))
}

/// `program` as a path (when it has a slash) or on PATH, if it is an executable file.
fn find(program: &str) -> Option<PathBuf> {
    let exec = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let p = PathBuf::from(program);
        return exec(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| exec(p))
}

fn install_hint(program: &str) -> String {
    match program {
        "perf" => {
            "install it (Debian: apt-get install linux-perf) or choose another profiler".into()
        }
        "nsys" => {
            "install NVIDIA Nsight Systems (it ships with the CUDA toolkit) and put nsys on PATH"
                .into()
        }
        "ncu" => {
            "install NVIDIA Nsight Compute (it ships with the CUDA toolkit) and put ncu on PATH"
                .into()
        }
        other => format!("install {other} or give its full path after cmd:"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_refused_naming_it() {
        let p = Profiler::parse("cmd:/nonexistent/nbench-profiler --x").expect("parse");
        let err = usable(&p).expect_err("missing").to_string();
        assert_eq!(
            err,
            "--profile cmd:/nonexistent/nbench-profiler --x: the profiler `/nonexistent/nbench-profiler` \
             is not installed (not found at that path); install /nonexistent/nbench-profiler or give its \
             full path after cmd:"
        );
        assert!(find("sh").is_some());
        assert!(find("nbench-no-such-program").is_none());
    }
}
