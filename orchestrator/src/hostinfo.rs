//! Facts about this machine and the measured source tree, read once per run: hostname, CPU
//! model and flags, kernel, OS, memory, governor, git commit. Environment capture is an
//! allow-list, so a secret in the environment never reaches an artifact. Reads only; a fact
//! that cannot be read is recorded as absent, never guessed.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::helper;

/// `git status` on a huge tree or a hung network mount must not hold up a run.
const FACT_DEADLINE: Duration = Duration::from_secs(20);

/// Environment variables that may be recorded (exact names), plus the `NBENCH_PY` prefix
/// (`NBENCH_PYTHON*`, `NBENCH_PY_WORKER`) and `NBENCH_INSTANCE_CACHE`.
pub const ENV_ALLOW: [&str; 12] = [
    "NBENCH_CALIB_SCALE",
    "NBENCH_WORKER",
    "RAYON_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES",
    "RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "LANG",
    "TZ",
    "CI",
];

/// The machine, as recorded in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    pub hostname: String,
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub arch: String,
    pub cpu_model: String,
    pub cpu_flags: Vec<String>,
    pub logical_cpus: usize,
    pub governor: Option<String>,
    pub mem_total_bytes: Option<u64>,
    pub rustc: Option<String>,
}

/// Reads the machine's facts.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let mut flags: Vec<String> = field("flags")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    flags.sort();
    Machine {
        hostname: hostname(),
        os: os_release(),
        kernel: read_trim("/proc/sys/kernel/osrelease"),
        arch: std::env::consts::ARCH.to_string(),
        cpu_model: field("model name").unwrap_or_else(|| "unknown".into()),
        cpu_flags: flags,
        logical_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        governor: read_trim("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        mem_total_bytes: meminfo_total(),
        rustc: command_line("rustc", &["--version"], None),
    }
}

/// The machine's hostname.
pub fn hostname() -> String {
    read_trim("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown".into())
}

fn read_trim(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn os_release() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
}

fn meminfo_total() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn command_line(program: &str, args: &[&str], dir: Option<&Path>) -> Option<String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = helper::run(cmd, None, FACT_DEADLINE, "one line of version facts").ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The commit and dirty flag of the git tree containing `dir`, if it is in one.
pub fn git(dir: &Path) -> (Option<String>, Option<bool>) {
    let commit = command_line("git", &["rev-parse", "HEAD"], Some(dir));
    if commit.is_none() {
        return (None, None);
    }
    let dirty = command_line(
        "git",
        &["status", "--porcelain", "--untracked-files=no"],
        Some(dir),
    )
    .map(|s| !s.is_empty());
    (commit, dirty)
}

/// The allow-listed environment, sorted.
pub fn allowed_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| {
            // Provider selection: NBENCH_PYTHON*, NBENCH_PY_WORKER and the instance cache.
            ENV_ALLOW.contains(&k.as_str())
                || k.starts_with("NBENCH_PY")
                || k == "NBENCH_INSTANCE_CACHE"
        })
        .collect();
    env.sort();
    env
}
