//! Fake workers for the fault tests: small Python programs that speak (or break) the worker
//! protocol on purpose, with one probe (`fake.echo`, one point) in their catalogue. Each is a
//! real process; nbench treats it exactly as it treats `nbench-worker`.

use std::path::{Path, PathBuf};

const CATALOGUE: &str = r#"[{"name":"fake.echo","family":"fake","description":"a test worker","axes":[{"name":"size","kind":"int","values":[1],"representative":1,"open":false}],"backends":[{"name":"b","platform":"cpu"}],"hidden":false}]"#;

/// Python that builds a valid `ok` row for the spec (as `row`); emit it with
/// `emit({"event": "row", "row": row})`.
pub const ROW: &str = r#"row = {k: spec[k] for k in ["run_id", "attempt_id", "probe", "params", "seed", "backend", "provider", "platform"]}
row.update({"schema_version": 1, "family": "fake", "status": "ok", "problem_digest": "00000000000000aa",
            "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z",
            "metrics": {"cold_time": 0.5}})"#;

/// Writes `dir/fake-worker`: `list` runs `list_body` (default: print the catalogue); an attempt
/// runs `body` with `spec` parsed, `hello` built and `emit(obj)` defined.
pub fn write(dir: &Path, body: &str, list_body: Option<&str>) -> PathBuf {
    let path = dir.join("fake-worker");
    let list = list_body
        .map(str::to_string)
        .unwrap_or_else(|| format!("print('{CATALOGUE}')"));
    let script = format!(
        r#"#!/usr/bin/env python3
import json, os, signal, sys, time
CATALOGUE = '{CATALOGUE}'
if sys.argv[1:] == ["list"]:
{list}
    sys.exit(0)
spec = json.loads(sys.stdin.readline())
def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n"); sys.stdout.flush()
hello = {{"event": "hello", "protocol": 1, "worker": "fake", "version": "1", "build_profile": "interpreted"}}
{body}
"#,
        list = indent(&list)
    );
    std::fs::write(&path, script).expect("write fake worker");
    crate::set_exec(&path);
    path
}

fn indent(code: &str) -> String {
    code.lines().map(|l| format!("    {l}\n")).collect()
}
