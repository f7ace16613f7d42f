//! The scale-out recipes of docs/scale-out.md work as written: every YAML parses and wires its
//! shards to nbench's (the GitHub matrix has NBENCH_SHARD_COUNT entries and hands each its
//! index, GitLab runs `parallel:` shards, the Kubernetes Job is Indexed with as many
//! completions as its NBENCH_SHARD_COUNT); the Slurm scripts run here as two array tasks and a
//! merge, with Slurm's variables set by hand and the real binaries; and submit.sh submits the
//! merge with an afterok dependency on the array, against a stand-in `sbatch`.

use std::path::{Path, PathBuf};
use std::process::Command;

use nbench_tests::{FAST, bin, read_rows};
use yaml_rust2::{Yaml, YamlLoader};

use crate::shard::PLAN;

fn recipe(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/scale-out")
        .join(name)
}

fn yaml(name: &str) -> Yaml {
    let text = std::fs::read_to_string(recipe(name)).expect(name);
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(docs.len(), 1, "{name}: one document");
    docs.remove(0)
}

fn text(y: &Yaml) -> String {
    match y {
        Yaml::String(s) => s.clone(),
        Yaml::Array(a) => a.iter().map(text).collect::<Vec<_>>().join("\n"),
        other => panic!("expected a string, got {other:?}"),
    }
}

#[test]
fn the_github_matrix_has_one_entry_per_shard_and_hands_each_its_index() {
    let wf = yaml("github-actions.yml");
    let n = wf["env"]["NBENCH_SHARD_COUNT"].as_i64().expect("count");
    let matrix = wf["jobs"]["shard"]["strategy"]["matrix"]["shard"]
        .as_vec()
        .expect("matrix");
    let indices: Vec<i64> = matrix.iter().map(|m| m.as_i64().expect("index")).collect();
    assert_eq!(indices, (0..n).collect::<Vec<_>>(), "0 … N−1");
    let steps = wf["jobs"]["shard"]["steps"].as_vec().expect("steps");
    let run = steps
        .iter()
        .find(|s| !s["run"].is_badvalue())
        .expect("a run step");
    assert!(text(&run["run"]).contains("nbench run --shard auto"));
    assert!(text(&run["env"]["NBENCH_SHARD_INDEX"]).contains("matrix.shard"));
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .expect("upload");
    assert!(text(&upload["with"]["name"]).contains("matrix.shard"));
    let merge = &wf["jobs"]["merge"];
    assert_eq!(text(&merge["needs"]), "shard");
    let script: String = merge["steps"]
        .as_vec()
        .expect("steps")
        .iter()
        .filter(|s| !s["run"].is_badvalue())
        .map(|s| text(&s["run"]))
        .collect();
    for needle in ["nbench merge", "nbench compare", "GITHUB_STEP_SUMMARY"] {
        assert!(script.contains(needle), "merge job lacks {needle}");
    }
}

#[test]
fn the_gitlab_job_runs_parallel_shards_and_a_merge_after_them() {
    let ci = yaml("gitlab-ci.yml");
    let shard = &ci["nbench-shard"];
    assert!(shard["parallel"].as_i64().is_some_and(|n| n >= 2));
    assert!(text(&shard["script"]).contains("nbench run --shard auto"));
    let merge = &ci["nbench-merge"];
    assert!(text(&merge["needs"]).contains("nbench-shard"));
    assert!(text(&merge["script"]).contains("nbench merge"));
}

#[test]
fn the_kubernetes_job_is_indexed_with_as_many_completions_as_shards() {
    let job = yaml("k8s-indexed-job.yaml");
    assert_eq!(job["kind"].as_str(), Some("Job"));
    assert_eq!(job["spec"]["completionMode"].as_str(), Some("Indexed"));
    let completions = job["spec"]["completions"].as_i64().expect("completions");
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let env = container["env"].as_vec().expect("env");
    let count = env
        .iter()
        .find(|e| e["name"].as_str() == Some("NBENCH_SHARD_COUNT"))
        .and_then(|e| e["value"].as_str())
        .and_then(|v| v.parse::<i64>().ok())
        .expect("NBENCH_SHARD_COUNT");
    assert_eq!(completions, count);
    assert!(
        job["spec"]["parallelism"]
            .as_i64()
            .is_some_and(|p| p <= completions)
    );
    assert!(text(&container["args"]).contains("nbench run --shard auto"));
}

/// `bash <script>` with the test's binaries, the plan and `vars`.
fn script(name: &str, vars: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new("bash");
    cmd.arg(recipe(name))
        .env("NBENCH", bin("nbench"))
        .env("NBENCH_FILTERS", PLAN.join(" "))
        .env("NBENCH_POLICY", FAST.join(" "));
    for v in nbench_tests::SHARD_VARIABLES {
        cmd.env_remove(v);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), all)
}

#[test]
fn the_slurm_scripts_shard_and_merge_as_written() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().display().to_string();
    let lock = root.path().join("lock").display().to_string();
    for task in ["5", "6"] {
        let (code, out) = script(
            "slurm/shard.sbatch",
            &[
                ("NBENCH_SCALE_DIR", &dir),
                ("NBENCH_LOCK", &lock),
                ("SLURM_ARRAY_JOB_ID", "77"),
                ("SLURM_ARRAY_TASK_ID", task),
                ("SLURM_ARRAY_TASK_MIN", "5"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
            ],
        );
        assert_eq!(code, 0, "shard task {task}:\n{out}");
    }
    let (code, out) = script(
        "slurm/merge.sbatch",
        &[("NBENCH_SCALE_DIR", &dir), ("NBENCH_ARRAY_JOB", "77")],
    );
    assert_eq!(code, 0, "merge:\n{out}");
    let rows = read_rows(&root.path().join("77/merged/rows.jsonl"));
    assert_eq!(rows.len(), 16, "the whole plan");
    let shards: std::collections::BTreeSet<_> =
        rows.iter().filter_map(|r| r.shard.clone()).collect();
    assert_eq!(shards.into_iter().collect::<Vec<_>>(), ["0/2", "1/2"]);
    // A second merge (a resubmitted merge job) replaces the first.
    let (code, out) = script(
        "slurm/merge.sbatch",
        &[("NBENCH_SCALE_DIR", &dir), ("NBENCH_ARRAY_JOB", "77")],
    );
    assert_eq!(code, 0, "merge again:\n{out}");
}

#[test]
fn submit_starts_the_merge_after_every_shard_succeeded() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = root.path().join("bin");
    std::fs::create_dir(&fake).unwrap();
    let log = root.path().join("sbatch.log");
    // A stand-in sbatch: logs its arguments, answers like `--parsable` (id;cluster).
    let sbatch = fake.join("sbatch");
    std::fs::write(
        &sbatch,
        format!(
            "#!/bin/bash\necho \"$*\" >>{log}\nn=$(wc -l <{log})\necho \"$((1000 + n));cluster\"\n",
            log = log.display()
        ),
    )
    .unwrap();
    nbench_tests::set_exec(&sbatch);
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let scale = root.path().join("results").display().to_string();
    let (code, out) = script(
        "slurm/submit.sh",
        &[
            ("PATH", &path),
            ("NBENCH_SHARDS", "3"),
            ("NBENCH_SCALE_DIR", &scale),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("NBENCH_SHARD_JOB=1001\n"), "{out}");
    assert!(out.contains("NBENCH_MERGE_JOB=1002\n"), "{out}");
    assert!(
        out.contains(&format!("NBENCH_MERGED_RUN={scale}/1001/merged")),
        "{out}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert!(
        calls[0].contains("--array 0-2") && calls[0].contains("--exclusive"),
        "{calls:?}"
    );
    assert!(calls[0].ends_with("shard.sbatch"), "{calls:?}");
    assert!(calls[1].contains("--dependency afterok:1001"), "{calls:?}");
    assert!(calls[1].contains("NBENCH_ARRAY_JOB=1001"), "{calls:?}");
    assert!(calls[1].ends_with("merge.sbatch"), "{calls:?}");
}
