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

/// Environment variables that may be recorded: exact names only, never a prefix (a prefix such
/// as `NBENCH_PY` would also capture `NBENCH_PYPI_TOKEN`). The interpreter variables are spelled
/// out for the bundled providers and platforms.
pub const ENV_ALLOW: [&str; 21] = [
    "NBENCH_CALIB_SCALE",
    "NBENCH_WORKER",
    "NBENCH_PYTHON",
    "NBENCH_PYTHON_NUMPY",
    "NBENCH_PYTHON_NUMPY_CPU",
    "NBENCH_PYTHON_NUMPY_CUDA",
    "NBENCH_PYTHON_TORCH",
    "NBENCH_PYTHON_TORCH_CPU",
    "NBENCH_PYTHON_TORCH_CUDA",
    "NBENCH_PY_WORKER",
    "NBENCH_INSTANCE_CACHE",
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

/// Parts of a name that mark a secret; a name holding one (as a whole `_`-separated word) is
/// never recorded, even if someone adds it to [`ENV_ALLOW`].
const SECRET_WORDS: [&str; 12] = [
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "KEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "COOKIE",
    "SESSION",
    "PRIVATE",
];

/// Whether the variable `name` may be recorded in an artifact.
pub fn env_recordable(name: &str) -> bool {
    let secret = name
        .to_ascii_uppercase()
        .split('_')
        .any(|w| SECRET_WORDS.contains(&w));
    ENV_ALLOW.contains(&name) && !secret
}

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
    let mut env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| env_recordable(k))
        .collect();
    env.sort();
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_names_and_never_a_secret() {
        assert!(env_recordable("NBENCH_PYTHON"));
        assert!(env_recordable("NBENCH_PYTHON_TORCH_CUDA"));
        for k in [
            "NBENCH_PYPI_TOKEN",
            "NBENCH_PYTHON_SECRET",
            "NBENCH_PY",
            "NBENCH_INSTANCE_CACHE_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "LANGUAGE",
        ] {
            assert!(!env_recordable(k), "{k} would be recorded");
        }
        for k in ENV_ALLOW {
            assert!(env_recordable(k), "{k} is allowed but denied as a secret");
        }
    }
}
