//! Hosts are part of the truth: `compare` refuses a key whose two sides were measured on
//! different machines (hostname or CPU model), naming both, unless `--allow-cross-host`; and a
//! merged run whose shards ran on two hosts shows the host in its lanes in `summary`, the
//! report and the dashboard, with every shard's host in the merged manifest.

use std::path::Path;

use nbench_schema::exit;
use nbench_tests::compare;

use crate::shard::{PLAN, merge, shard_run};

/// Rewrites the run directory `dir` as if measured on `host` with `cpu`: every row's host and
/// the manifest's machine.
fn move_to(dir: &Path, host: &str, cpu: &str) {
    let rows = dir.join("rows.jsonl");
    let text = std::fs::read_to_string(&rows).expect("rows");
    let moved: Vec<String> = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("row");
            v["host"]["hostname"] = host.into();
            v["host"]["cpu_model"] = cpu.into();
            format!("{v}\n")
        })
        .collect();
    std::fs::write(&rows, moved.concat()).expect("write rows");
    let m = dir.join("manifest.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&m).expect("manifest")).expect("json");
    v["machine"]["hostname"] = host.into();
    v["machine"]["cpu_model"] = cpu.into();
    std::fs::write(&m, v.to_string()).expect("write manifest");
}

fn copy_run(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for f in ["rows.jsonl", "manifest.json"] {
        std::fs::copy(from.join(f), to.join(f)).expect("copy");
    }
}

#[test]
fn compare_refuses_keys_from_different_hosts_unless_allowed() {
    let root = tempfile::tempdir().expect("tempdir");
    let here = shard_run(root.path(), "a", "0/1", PLAN);
    let there = root.path().join("there");
    copy_run(&here, &there);
    move_to(&there, "far-away-node", "Imaginary CPU 9000");
    let refused = compare(&here, &there, &[]);
    refused.expect_code(exit::BAD_INPUT);
    refused.stderr_has(&[
        "refusing to compare across hosts",
        "current on far-away-node (Imaginary CPU 9000)",
        "--allow-cross-host",
    ]);
    // Only the CPU model differs: still another machine.
    copy_run(&here, &root.path().join("cpu"));
    let host = nbench_tests::read_rows(&here.join("rows.jsonl"))[0]
        .host
        .clone()
        .expect("host");
    move_to(
        &root.path().join("cpu"),
        &host.hostname,
        "Imaginary CPU 9000",
    );
    compare(&here, &root.path().join("cpu"), &[]).expect_code(exit::BAD_INPUT);
    // The same rows, so allowed they pass.
    compare(&here, &there, &["--allow-cross-host", "--threshold", "2.0"])
        .expect_code(exit::SUCCESS);
}

#[test]
fn a_merged_run_from_two_hosts_shows_the_host_in_its_lanes() {
    let root = tempfile::tempdir().expect("tempdir");
    let a = shard_run(root.path(), "s0", "slice:0/2", PLAN);
    let b = shard_run(root.path(), "s1", "slice:1/2", PLAN);
    move_to(&b, "node-b", "Imaginary CPU 9000");
    let out = root.path().join("merged");
    merge(&[&a, &b], &out, &[]).expect_code(exit::SUCCESS);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let hosts: Vec<&str> = m["merge"]["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| i["hostname"].as_str().expect("hostname"))
        .collect();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[1], "node-b");
    let o = out.display().to_string();
    let summary = nbench_tests::Nbench::new(&["summary", &o, "--format", "json"]).run();
    summary.expect_code(exit::SUCCESS);
    let s: serde_json::Value = serde_json::from_str(&summary.stdout).expect("json");
    assert_eq!(s["multi_host"], true);
    let lanes: Vec<String> = s["probes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["lanes"].as_array().unwrap().iter())
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    assert!(lanes.iter().any(|l| l.contains("node-b")), "{lanes:?}");
    assert!(lanes.iter().any(|l| l.contains(hosts[0])), "{lanes:?}");
    let table = nbench_tests::Nbench::new(&["summary", &o]).run();
    assert!(table.stdout.contains("node-b"), "{}", table.stdout);
    let report = nbench_tests::Nbench::new(&["report", &o]).run();
    assert!(report.stdout.contains("node-b"), "{}", report.stdout);
    let html = root.path().join("d.html");
    let h = html.display().to_string();
    nbench_tests::Nbench::new(&["plot", &o, "--out", &h])
        .run()
        .expect_code(exit::SUCCESS);
    assert!(std::fs::read_to_string(&html).unwrap().contains("node-b"));
}
