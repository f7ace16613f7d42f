//! Sharded runs and `nbench merge` with the real binaries: a small plan run as two shards and
//! merged is exactly the unsharded `--dry-run` plan, no attempt twice; merging in the other
//! order gives byte-identical files; the merged directory is a run every reader takes and
//! `compare` gates against a single-host run; a merge of different plans, a torn rows file, an
//! empty or a non-run directory are refused with nothing written; a lost attempt or a lost
//! shard is reported with the command that completes it, and `--resume` of a shard runs only
//! that shard's missing attempts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nbench_schema::{Row, exit, params::canonical};
use nbench_tests::{FAST, Nbench, Output, read_rows};

/// Four points (one backend each, four seeds): 16 attempts.
pub const PLAN: &[&str] = &["--match", "vec.a*", "--size", "1000", "--backend", "scalar"];

/// One point each, four attempts: two plans that differ.
const ADD: [&str; 6] = [
    "--match",
    "vec.add",
    "--size",
    "1000",
    "--backend",
    "scalar",
];
const ABS: [&str; 6] = [
    "--match",
    "vec.abs",
    "--size",
    "1000",
    "--backend",
    "scalar",
];

/// `nbench run PLAN --shard spec` into its own store under `root`; its run directory.
pub fn shard_run(root: &Path, name: &str, spec: &str, plan: &[&str]) -> PathBuf {
    let store = root.join(name);
    let s = store.display().to_string();
    Nbench::new(&["run"])
        .args(plan)
        .args(FAST)
        .args(&["--shard", spec, "--store", &s, "--progress", "quiet"])
        .run()
        .expect_code(exit::SUCCESS);
    only_dir(&store)
}

fn only_dir(store: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(store)
        .expect("store")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "one run in {}", store.display());
    dirs[0].clone()
}

pub fn merge(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(["--out".to_string(), out.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Nbench::new(&refs).run()
}

pub fn line(r: &Row) -> String {
    format!(
        "{} {} {} seed={} {} {} {}",
        r.attempt_id,
        r.probe,
        canonical(&r.params),
        r.seed,
        r.backend,
        r.provider,
        r.platform
    )
}

pub fn dry_run(extra: &[&str]) -> Output {
    // A private store: the prediction reads the store's history.
    let out = Nbench::new(&["run", "--dry-run"])
        .args(PLAN)
        .args(extra)
        .with_store()
        .run();
    out.expect_code(exit::SUCCESS);
    out
}

/// The attempt lines of the unsharded (or `extra`-narrowed) `--dry-run` plan.
pub fn plan_lines(extra: &[&str]) -> Vec<String> {
    dry_run(extra)
        .stdout
        .lines()
        .filter(|l| l.starts_with('a'))
        .map(str::to_string)
        .collect()
}

/// A single-host run of PLAN, and `compare` of it against `merged`, which must pass.
pub fn gates_against_a_single_host_run(merged: &Path) -> Output {
    let single = Nbench::new(&["run"])
        .args(PLAN)
        .args(FAST)
        .args(&["--progress", "quiet"])
        .with_store()
        .run();
    single.expect_code(exit::SUCCESS);
    nbench_tests::compare(&single.run_dir(), merged, &["--threshold", "2.0"])
        .expect_code(exit::SUCCESS);
    single
}

/// Paths of a run directory and the run ids, which differ from run to run, as placeholders.
fn redact(text: &str, dirs: &[(&Path, &str)]) -> String {
    let mut t = text.to_string();
    for (d, name) in dirs {
        t = t.replace(&d.display().to_string(), name);
    }
    let re_id = |s: &str| {
        s.split(' ')
            .map(|w| {
                let b = w.as_bytes();
                if b.len() == 23 && b[8] == b'T' && b[15] == b'Z' {
                    "<run id>"
                } else if b.len() == 33 && b[0] == b'p' {
                    "<plan id>"
                } else if let Some(rest) = w.strip_prefix("merge-") {
                    // The id's 16 hex digits, then what punctuation follows.
                    return format!("<merge id>{}", rest.get(16..).unwrap_or(""));
                } else {
                    w
                }
                .to_string()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    t.lines().map(re_id).collect::<Vec<_>>().join("\n")
}

#[test]
fn two_shards_merge_into_exactly_the_unsharded_plan_in_any_order() {
    let plan = plan_lines(&[]);
    assert_eq!(plan.len(), 16);
    let shard1 = dry_run(&["--shard", "slice:1/2"]);
    insta::assert_snapshot!("dry_run_of_a_shard", shard1.stdout);

    let root = tempfile::tempdir().expect("tempdir");
    let a = shard_run(root.path(), "s0", "slice:0/2", PLAN);
    let b = shard_run(root.path(), "s1", "slice:1/2", PLAN);
    for (dir, label) in [(&a, "0/2"), (&b, "1/2")] {
        let rows = read_rows(&dir.join("rows.jsonl"));
        assert!(rows.iter().all(|r| r.shard.as_deref() == Some(label)));
    }
    let out1 = root.path().join("merged-ab");
    let out2 = root.path().join("merged-ba");
    let m1 = merge(&[&a, &b], &out1, &[]);
    m1.expect_code(exit::SUCCESS);
    merge(&[&b, &a], &out2, &[]).expect_code(exit::SUCCESS);
    let host = read_rows(&a.join("rows.jsonl"))[0]
        .host
        .clone()
        .expect("host");
    let here = format!("{} ({})", host.hostname, host.cpu_model);
    let report = m1.stdout.replace(&here, "<host> (<cpu>)");
    insta::assert_snapshot!("merge_report", redact(&report, &[(&out1, "<out>")]));
    for f in ["rows.jsonl", "manifest.json", "summary.json"] {
        let (x, y) = (
            std::fs::read(out1.join(f)).expect(f),
            std::fs::read(out2.join(f)).expect(f),
        );
        assert!(x == y, "{f} differs between merge orders");
    }
    let rows = read_rows(&out1.join("rows.jsonl"));
    let merged: Vec<String> = rows.iter().map(line).collect();
    assert_eq!(
        merged, plan,
        "the merged rows are the plan, in plan order, once each"
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out1.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["status"], "complete");
    assert_eq!(m["planned_attempts"], 16);
    let shard_ids: BTreeSet<String> = [&a, &b]
        .iter()
        .map(|d| {
            let text = std::fs::read_to_string(d.join("manifest.json")).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["plan_id"].as_str().expect("plan id").to_string()
        })
        .collect();
    assert_eq!(shard_ids.len(), 1, "both shards share one plan id");
    assert_eq!(m["plan_id"].as_str(), shard_ids.first().map(String::as_str));

    // A normal run: every reader takes it, and it gates against a single-host run.
    let o = out1.display().to_string();
    let html = root.path().join("dashboard.html").display().to_string();
    for cmd in [
        vec!["summary", o.as_str()],
        vec!["report", o.as_str()],
        vec!["plot", o.as_str(), "--out", html.as_str()],
    ] {
        Nbench::new(&cmd).run().expect_code(exit::SUCCESS);
    }
    let single = gates_against_a_single_host_run(&out1);

    // Balanced by the single run's wall times, the two shards still partition the plan.
    let from = single.run_dir().display().to_string();
    let mut balanced: Vec<String> = Vec::new();
    for spec in ["0/2", "1/2"] {
        let out = dry_run(&["--shard", spec, "--balance-from", &from]);
        assert!(
            out.stdout
                .contains("(slice, balanced by the wall times of "),
            "{}",
            out.stdout
        );
        balanced.extend(
            out.stdout
                .lines()
                .filter(|l| l.starts_with('a'))
                .map(str::to_string),
        );
    }
    balanced.sort();
    assert_eq!(balanced, plan, "balanced shards partition the plan");
}

#[test]
fn merging_different_plans_is_refused_and_writes_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = shard_run(root.path(), "a", "0/1", &ADD);
    let b = shard_run(root.path(), "b", "0/1", &ABS);
    let out = root.path().join("merged");
    let refused = merge(&[&a, &b], &out, &[]);
    refused.expect_code(exit::BAD_INPUT);
    refused.stderr_has(&["are not shards of one plan", "--force"]);
    for d in [&a, &b] {
        let id = d.file_name().unwrap().to_string_lossy().to_string();
        refused.stderr_has(&[&id]);
    }
    assert_eq!(
        refused.stderr.matches("(run ").count(),
        2,
        "{}",
        refused.stderr
    );
    let left: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left.len(), 2, "nothing written beside the inputs: {left:?}");
    merge(&[&a, &b], &out, &["--force"]).expect_code(exit::SUCCESS);
    assert_eq!(read_rows(&out.join("rows.jsonl")).len(), 8);
}

#[test]
fn bad_inputs_are_refused_naming_the_path() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = shard_run(root.path(), "a", "0/1", &ADD);
    let out = root.path().join("merged");
    let rows = a.join("rows.jsonl");
    let whole = std::fs::read(&rows).unwrap();

    let mut torn = whole.clone();
    torn.extend_from_slice(b"{\"schema_version\":1,\"run_id\":");
    std::fs::write(&rows, &torn).unwrap();
    merge(&[&a], &out, &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&[&format!("{}:5", rows.display()), "torn", "--resume"]);

    let mut garbage = whole.clone();
    garbage.extend_from_slice(b"not json\n");
    std::fs::write(&rows, &garbage).unwrap();
    merge(&[&a], &out, &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&[&format!("{}:5", rows.display()), "not a row"]);

    std::fs::write(&rows, b"").unwrap();
    merge(&[&a], &out, &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&[&a.display().to_string(), "holds no rows"]);

    let plain = root.path().join("not-a-run");
    std::fs::create_dir(&plain).unwrap();
    merge(&[&plain], &out, &[])
        .expect_code(exit::BAD_INPUT)
        .stderr_has(&[&plain.display().to_string(), "not a run directory"]);
    assert!(!out.exists(), "a refused merge wrote --out");
}

#[test]
fn a_lost_shard_and_lost_attempts_are_reported_and_resume_completes_only_its_shard() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = shard_run(root.path(), "s0", "slice:0/2", PLAN);
    let b = shard_run(root.path(), "s1", "slice:1/2", PLAN);

    let lone = merge(&[&a], &root.path().join("lone"), &[]);
    lone.expect_code(exit::ATTEMPTS_FAILED);
    let bin = nbench_tests::bin("nbench");
    insta::assert_snapshot!(
        "merge_with_a_lost_shard",
        redact(&lone.stderr, &[(&bin, "<nbench>"), (root.path(), "<root>")])
    );
    lone.stderr_has(&[
        "shard 1/2 of the plan had no input (8 attempts)",
        "--shard slice:1/2",
    ]);

    // Lose the last three rows of shard 1, as a kill before they were written would.
    let rows = b.join("rows.jsonl");
    let all = read_rows(&rows);
    let keep: Vec<String> = std::fs::read_to_string(&rows)
        .unwrap()
        .lines()
        .take(5)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&rows, keep.concat()).unwrap();
    let partial = merge(&[&a, &b], &root.path().join("partial"), &[]);
    partial.expect_code(exit::ATTEMPTS_FAILED);
    let lost: Vec<&str> = all[5..].iter().map(|r| r.attempt_id.as_str()).collect();
    partial.stderr_has(&["shard 1/2", "3 of 8 attempts have no final row", lost[0]]);
    partial.stderr_has(&[&format!("nbench run --resume {}", b.display())]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.path().join("partial/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["status"], "incomplete");
    assert_eq!(m["merge"]["missing_attempts"], 3);

    let b_s = b.display().to_string();
    Nbench::new(&["run", "--resume", &b_s])
        .run()
        .expect_code(exit::SUCCESS);
    let resumed = read_rows(&rows);
    let ids: Vec<&str> = resumed.iter().map(|r| r.attempt_id.as_str()).collect();
    let want: Vec<&str> = all.iter().map(|r| r.attempt_id.as_str()).collect();
    assert_eq!(
        ids, want,
        "the resume ran exactly the shard's lost attempts"
    );
    assert!(resumed.iter().all(|r| r.shard.as_deref() == Some("1/2")));
    merge(&[&a, &b], &root.path().join("whole"), &[]).expect_code(exit::SUCCESS);
}

#[test]
fn bad_shard_specs_are_refused_naming_the_valid_forms() {
    for spec in ["3/2", "0/0", "hash:1/0", "zigzag:0/2"] {
        Nbench::new(&["run", "--dry-run", "--shard", spec])
            .args(PLAN)
            .run()
            .expect_code(exit::BAD_INPUT)
            .stderr_has(&["hash:M/N, slice:M/N, M/N or auto"]);
    }
    let out = no_shard_env(Nbench::new(&["run", "--dry-run", "--shard", "auto"]).args(PLAN)).run();
    out.expect_code(exit::BAD_INPUT);
    for v in nbench_tests::SHARD_VARIABLES {
        out.stderr_has(&[v]);
    }
    Nbench::new(&[
        "run",
        "--dry-run",
        "--shard",
        "hash:0/2",
        "--balance-from",
        "x",
    ])
    .args(PLAN)
    .run()
    .expect_code(exit::BAD_INPUT)
    .stderr_has(&["--balance-from needs --shard slice:M/N"]);
    let gitlab = no_shard_env(Nbench::new(&["run", "--dry-run", "--shard", "auto"]).args(PLAN))
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "2")
        .run();
    gitlab.expect_code(exit::SUCCESS);
    assert!(
        gitlab.stdout.starts_with("shard 1/2 (hash): "),
        "{}",
        gitlab.stdout
    );
}

/// `nb` with none of the variables `--shard auto` reads.
fn no_shard_env(mut nb: Nbench) -> Nbench {
    for v in nbench_tests::SHARD_VARIABLES {
        nb = nb.env_remove(v);
    }
    nb
}
