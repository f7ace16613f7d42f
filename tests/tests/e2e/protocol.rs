//! Any program that speaks the protocol is a worker; one that breaks it costs one attempt, as a
//! `protocol_error` row that says what was wrong.

use std::path::{Path, PathBuf};

use nbench_schema::{Status, exit};
use nbench_tests::{FAST, Nbench};

const CATALOGUE: &str = r#"[{"name":"fake.echo","family":"fake","description":"a test worker","axes":[{"name":"size","kind":"int","values":[1],"representative":1,"open":false}],"backends":[{"name":"b","platform":"cpu"}],"hidden":false}]"#;

/// A Python worker whose attempt behaviour is `body` (with `spec` parsed and `emit` defined).
fn fake_worker(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("fake-worker");
    let script = format!(
        r#"#!/usr/bin/env python3
import json, sys, time
if sys.argv[1:] == ["list"]:
    print('{CATALOGUE}')
    sys.exit(0)
spec = json.loads(sys.stdin.readline())
def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n"); sys.stdout.flush()
hello = {{"event": "hello", "protocol": 1, "worker": "fake", "version": "1", "build_profile": "interpreted"}}
{body}
"#
    );
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn run_fake(body: &str) -> (nbench_tests::Output, Vec<nbench_schema::Row>) {
    let dir = tempfile::tempdir().unwrap();
    let w = fake_worker(dir.path(), body);
    let out = Nbench::new(&[
        "run",
        "--worker",
        w.to_str().unwrap(),
        "--timeout-multiplier",
        "0.1",
    ])
    .args(FAST)
    .with_store()
    .run();
    let rows = out.rows();
    (out, rows)
}

#[test]
fn a_worker_speaking_another_protocol_is_refused_by_name() {
    let (out, rows) = run_fake("hello['protocol'] = 99\nemit(hello)\ntime.sleep(30)");
    out.expect_code(exit::ATTEMPTS_FAILED);
    assert_eq!(rows.len(), 4);
    for r in rows {
        assert_eq!(r.status, Status::ProtocolError);
        let msg = &r.failure.unwrap().message;
        assert!(
            msg.contains("protocol 99") && msg.contains("protocol 1"),
            "{msg}"
        );
        assert!(
            r.worker.unwrap().wall_s < 2.0,
            "refused at once, not at a deadline"
        );
    }
}

#[test]
fn exiting_without_a_row_is_a_protocol_error() {
    let (out, rows) =
        run_fake("emit(hello)\nemit({'event': 'stage', 'stage': 'setup'})\nsys.exit(0)");
    out.expect_code(exit::ATTEMPTS_FAILED);
    for r in rows {
        assert_eq!(r.status, Status::ProtocolError);
        let f = r.failure.unwrap();
        assert_eq!(f.stage.as_str(), "setup");
        assert!(f.message.contains("without writing a row"), "{}", f.message);
    }
}

#[test]
fn a_foreign_worker_that_speaks_the_protocol_produces_rows() {
    let body = r#"emit(hello)
for s in ["setup", "fidelity", "warmup", "measure"]:
    emit({"event": "stage", "stage": s})
print("some diagnostics", file=sys.stderr)
row = {k: spec[k] for k in ["run_id", "attempt_id", "probe", "params", "seed", "backend", "provider", "platform"]}
row.update({"schema_version": 1, "family": "fake", "status": "ok", "problem_digest": "00000000000000aa",
            "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z",
            "metrics": {"cold_time": 0.5}})
emit({"event": "row", "row": row})"#;
    let (out, rows) = run_fake(body);
    out.expect_code(exit::SUCCESS);
    assert_eq!(rows.len(), 4);
    for r in rows {
        assert_eq!(r.status, Status::Ok);
        assert_eq!(r.host.unwrap().build_profile, "interpreted");
        assert_eq!(r.metrics.unwrap().cold_time, Some(0.5));
        assert!(r.worker.unwrap().version.unwrap().starts_with("fake"));
    }
}

#[test]
fn a_row_for_another_attempt_is_a_protocol_error() {
    let body = r#"emit(hello)
row = {k: spec[k] for k in ["run_id", "attempt_id", "probe", "params", "seed", "backend", "provider", "platform"]}
row.update({"schema_version": 1, "family": "fake", "status": "ok", "backend": "other",
            "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z"})
emit({"event": "row", "row": row})"#;
    let (_, rows) = run_fake(body);
    for r in rows {
        assert_eq!(r.status, Status::ProtocolError);
        assert!(r.failure.unwrap().message.contains("backend `other`"));
    }
}
