//! The Slurm recipe of docs/scale-out.md on a real cluster, not a stand-in: the test starts a
//! single-node Slurm on localhost (scripts/slurm-local.sh: munged, slurmctld and slurmd, under a
//! state directory of its own), submits `examples/scale-out/slurm/submit.sh` as written for a
//! small plan as two array tasks sharing the node, waits for the merge job that `afterok` starts,
//! and checks the merged run: exactly the unsharded `--dry-run` plan, no attempt twice, rows
//! valid and from both shards, and `nbench compare` against a single-host run of the plan passes.
//! It needs root and Debian's slurm-wlm and munge; outside CI it skips loudly without them,
//! under CI (`CI` set, where `.ci/run` installs them) it fails. It stops its daemons by pid.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nbench_tests::{FAST, bin, read_rows};

use crate::shard::{PLAN, gates_against_a_single_host_run, line, plan_lines};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A running single-node cluster; dropped, it stops its daemons and removes its state.
struct Cluster {
    state: PathBuf,
    conf: String,
}

impl Cluster {
    /// Starts the cluster, or `None` after a loud skip where this machine cannot run one.
    fn start(root: &Path) -> Option<Cluster> {
        let missing: Vec<&str> = ["slurmctld", "slurmd", "munged", "sbatch", "squeue"]
            .into_iter()
            .filter(|t| !on_path(t))
            .collect();
        // SAFETY: geteuid has no preconditions.
        let root_user = unsafe { libc::geteuid() } == 0;
        if !missing.is_empty() || !root_user {
            let why = format!(
                "the real-Slurm test needs root and slurm-wlm + munge (missing: {}; root: {root_user}); \
                 to run it: apt-get install slurm-wlm munge, as root (CI does)",
                missing.join(", ")
            );
            if std::env::var_os("CI").is_some() {
                panic!("{why}");
            }
            nbench_tests::skipped(&why);
            return None;
        }
        let state = root.join("slurm");
        let out = Command::new("bash")
            .arg(repo("scripts/slurm-local.sh"))
            .arg("start")
            .arg(&state)
            .output()
            .expect("bash runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let conf = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export SLURM_CONF="))
            .map(str::to_string);
        match (out.status.success(), conf) {
            (true, Some(conf)) => Some(Cluster { state, conf }),
            _ => panic!(
                "slurm-local.sh start failed ({}):\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }

    /// `squeue`'s view of `jobs`: empty once all have left the queue.
    fn queued(&self, jobs: &str) -> String {
        let out = Command::new("squeue")
            .args(["-h", "-o", "%i %T %r", "-j", jobs])
            .env("SLURM_CONF", &self.conf)
            .output()
            .expect("squeue runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(repo("scripts/slurm-local.sh"))
            .arg("stop")
            .arg(&self.state)
            .status();
    }
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// The value of `NAME=value` in submit.sh's output.
fn assignment(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("submit.sh printed no {name}=:\n{out}"))
        .to_string()
}

#[test]
fn the_documented_array_and_merge_jobs_run_on_a_real_slurm() {
    let root = tempfile::tempdir().expect("tempdir");
    let Some(cluster) = Cluster::start(root.path()) else {
        return;
    };
    let plan = plan_lines(&[]);
    assert_eq!(plan.len(), 16);

    let scale = root.path().join("results");
    let mut submit = Command::new("bash");
    submit
        .arg(repo("examples/scale-out/slurm/submit.sh"))
        .env("SLURM_CONF", &cluster.conf)
        .env("NBENCH", bin("nbench"))
        .env("NBENCH_SHARDS", "2")
        .env("NBENCH_SCALE_DIR", &scale)
        .env("NBENCH_FILTERS", PLAN.join(" "))
        .env("NBENCH_POLICY", FAST.join(" "))
        // Both tasks share the one node, each on its own core.
        .env("NBENCH_EXCLUSIVE", "0")
        .env_remove("NBENCH_LOCK")
        .env_remove("NBENCH_WORKER");
    for v in nbench_tests::SHARD_VARIABLES {
        submit.env_remove(v);
    }
    let out = submit.output().expect("bash runs");
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "submit.sh failed:\n{printed}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let array = assignment(&printed, "NBENCH_SHARD_JOB");
    let merge_job = assignment(&printed, "NBENCH_MERGE_JOB");
    let merged = PathBuf::from(assignment(&printed, "NBENCH_MERGED_RUN"));

    let jobs = format!("{array},{merge_job}");
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut last = cluster.queued(&jobs);
    while !last.is_empty() {
        assert!(
            Instant::now() < deadline,
            "jobs still queued after 300 s: {last}"
        );
        std::thread::sleep(Duration::from_millis(500));
        last = cluster.queued(&jobs);
    }
    let logs = || {
        let mut text = String::new();
        for e in std::fs::read_dir(&scale).into_iter().flatten().flatten() {
            if e.path().extension().is_some_and(|x| x == "out") {
                text += &format!("--- {}\n", e.path().display());
                text += &std::fs::read_to_string(e.path()).unwrap_or_default();
            }
        }
        text
    };
    let manifest = merged.join("manifest.json");
    let m: serde_json::Value = match std::fs::read(&manifest) {
        Ok(bytes) => serde_json::from_slice(&bytes).expect("merged manifest is json"),
        Err(e) => panic!("no {}: {e}; job logs:\n{}", manifest.display(), logs()),
    };
    assert_eq!(m["status"], "complete", "{}", logs());

    let rows = read_rows(&merged.join("rows.jsonl"));
    let got: Vec<String> = rows.iter().map(line).collect();
    assert_eq!(
        got, plan,
        "the merged rows are the unsharded plan, once each"
    );
    assert!(rows.iter().all(|r| r.status.is_ok()), "{}", logs());
    let shards: std::collections::BTreeSet<_> =
        rows.iter().filter_map(|r| r.shard.clone()).collect();
    assert_eq!(shards.into_iter().collect::<Vec<_>>(), ["0/2", "1/2"]);
    let log = logs();
    let bound: std::collections::BTreeSet<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("nbench shard: task "))
        .filter_map(|l| l.split(" cpus ").nth(1)?.split(' ').next())
        .collect();
    assert!(
        bound.len() == 2 && !bound.contains("all"),
        "each shard bound to its own cores: {bound:?}\n{log}"
    );

    gates_against_a_single_host_run(&merged);
}
