//! The whole pipeline on a deterministic fake workload: a scripted worker reports fixed times,
//! so plan → spawn → rows → verdict renders byte-identically and can be snapshot-tested.

use std::path::Path;

use nbench_schema::exit;
use nbench_tests::Nbench;

const CATALOGUE: &str = r#"[{"name":"fake.scale","family":"fake","description":"fixed times","axes":[{"name":"size","kind":"int","values":[10,100],"representative":10,"open":false}],"backends":[{"name":"slow","platform":"cpu"},{"name":"fast","platform":"cpu"}],"hidden":false}]"#;

fn fake_worker(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("fixed-worker");
    let script = format!(
        r#"#!/usr/bin/env python3
import json, sys
if sys.argv[1:] == ["list"]:
    print('{CATALOGUE}'); sys.exit(0)
spec = json.loads(sys.stdin.readline())
def emit(o):
    sys.stdout.write(json.dumps(o) + "\n"); sys.stdout.flush()
emit({{"event": "hello", "protocol": 1, "worker": "fixed", "version": "1", "build_profile": "release"}})
t = spec["params"]["size"] * (1e-6 if spec["backend"] == "slow" else 2.5e-7) * (1 + spec["seed"] / 100)
st = {{k: t for k in ["min", "median", "mean", "p25", "p75", "p95", "p99", "max"]}}
st.update({{"std": 0.0, "mad": 0.0, "n": 10, "iters_per_sample": 1}})
row = {{k: spec[k] for k in ["run_id", "attempt_id", "probe", "params", "seed", "backend", "provider", "platform"]}}
row.update({{"schema_version": 1, "family": "fake", "status": "ok", "problem_digest": "%016x" % (spec["seed"] + spec["params"]["size"]),
            "metrics": {{"steady_time": st}}, "started_at": "x", "finished_at": "x"}})
if spec["params"]["size"] == 100 and spec["backend"] == "fast" and spec["seed"] == 3:
    sys.exit(7)
emit({{"event": "row", "row": row}})
"#
    );
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn verdict_of_a_fixed_workload_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let w = fake_worker(dir.path());
    let out = Nbench::new(&["run", "--worker", w.to_str().unwrap()])
        .with_store()
        .run();
    out.expect_code(exit::ATTEMPTS_FAILED);
    let rows = out.rows();
    assert_eq!(rows.len(), 16);
    // The verdict after the progress lines, with the run id, wall time and paths redacted.
    let verdict = out
        .stdout
        .split("\nrun ")
        .nth(1)
        .unwrap_or_else(|| out.fail("no verdict"));
    let run_id = &rows[0].run_id;
    let redacted: String = verdict
        .replace(run_id, "<run_id>")
        .replace(&out.store.display().to_string(), "<store>")
        .lines()
        .map(|l| {
            if l.contains(" rows in ") {
                l.split(" in ").next().unwrap_or(l)
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(redacted);
}
