//! Schema v1 compatibility: every committed golden row parses, means what it meant when it was
//! committed, and round-trips unchanged; unknown fields and statuses from later v1 writers are
//! read; a newer schema version is refused naming both versions.

use std::path::{Path, PathBuf};

use nbench_schema::{FidelityStatus, Stage, Status, parse_row};

fn fixture(name: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn one_line(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).expect("fixture is JSON");
    serde_json::to_string(&v).expect("re-serialize")
}

/// (file, status, failure stage, signal) — the meaning each golden row must keep forever.
const GOLDEN: &[(&str, Status, Option<Stage>, Option<i32>)] = &[
    ("ok", Status::Ok, None, None),
    (
        "fidelity_failed",
        Status::FidelityFailed,
        Some(Stage::Fidelity),
        None,
    ),
    (
        "fidelity_inconclusive",
        Status::FidelityInconclusive,
        Some(Stage::Fidelity),
        None,
    ),
    ("skipped", Status::Skipped, Some(Stage::Setup), None),
    ("env_failed", Status::EnvFailed, Some(Stage::Setup), None),
    (
        "compile_error",
        Status::CompileError,
        Some(Stage::Setup),
        None,
    ),
    ("oom", Status::Oom, Some(Stage::Measure), Some(6)),
    ("timeout", Status::Timeout, Some(Stage::Warmup), Some(9)),
    ("crashed", Status::Crashed, Some(Stage::Measure), Some(11)),
    (
        "protocol_error",
        Status::ProtocolError,
        Some(Stage::Setup),
        None,
    ),
    ("error", Status::Error, Some(Stage::Setup), None),
    (
        "interrupted",
        Status::Interrupted,
        Some(Stage::Queued),
        None,
    ),
];

#[test]
fn there_is_a_golden_row_for_every_status() {
    for s in Status::KNOWN {
        assert!(
            GOLDEN.iter().any(|g| g.1.as_str() == *s),
            "status {s} has no golden fixture under tests/fixtures/rows"
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/rows/{s}.json"));
        assert!(path.is_file(), "missing {}", path.display());
    }
}

#[test]
fn every_golden_row_keeps_its_meaning() {
    for (name, status, stage, signal) in GOLDEN {
        let text = fixture(&format!("rows/{name}.json"));
        let row = parse_row(&one_line(&text)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&row.status, status, "{name}: status");
        assert_eq!(
            row.failure.as_ref().map(|f| f.stage.clone()),
            *stage,
            "{name}: failure stage"
        );
        assert_eq!(
            row.failure.as_ref().and_then(|f| f.signal),
            *signal,
            "{name}: signal"
        );
        assert_eq!(
            row.failure.is_none(),
            row.status.is_ok(),
            "{name}: failure iff not ok"
        );
        assert_eq!(row.schema_version, 1);
        assert_eq!(row.seed, 0);
        let w = row
            .worker
            .as_ref()
            .expect("stored rows carry the worker block");
        assert_eq!(w.scheduler.cpu_slots, 1, "{name}");
    }
}

#[test]
fn golden_rows_round_trip_unchanged() {
    for (name, ..) in GOLDEN {
        let text = fixture(&format!("rows/{name}.json"));
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let row = parse_row(&one_line(&text)).unwrap();
        let again = serde_json::to_value(&row).unwrap();
        assert_eq!(
            original, again,
            "{name}: a v1 row must round-trip field for field"
        );
    }
}

#[test]
fn ok_row_metrics_keep_units_and_values() {
    let row = parse_row(&one_line(&fixture("rows/ok.json"))).unwrap();
    let m = row.metrics.expect("ok row has metrics");
    let t = m.steady_time.expect("steady_time");
    assert_eq!(t.median, 2.2e-05, "seconds");
    assert_eq!(t.n, 40);
    assert_eq!(t.iters_per_sample, 128);
    assert_eq!(m.peak_rss, Some(6_291_456), "bytes");
    assert_eq!(m.baseline_rss, Some(2_097_152), "bytes");
    let f = row.fidelity.expect("fidelity");
    assert_eq!(f.status, FidelityStatus::Pass);
    assert!(f.rel_to_tol.unwrap() <= 1.0);
    assert_eq!(row.params["size"].as_i64(), Some(100_000));
}

#[test]
fn later_v1_rows_with_unknown_fields_and_statuses_are_read() {
    let row = parse_row(&one_line(&fixture("future_v1.json"))).expect("later v1 row reads");
    assert_eq!(row.status, Status::Other("throttled".into()));
    assert!(
        row.status.is_failure(),
        "an unknown status must not pass silently"
    );
    let f = row.failure.expect("failure");
    assert_eq!(f.stage, Stage::Other("thermal".into()));
    let back = serde_json::to_value(&row.status).unwrap();
    assert_eq!(
        back,
        serde_json::json!("throttled"),
        "unknown values round-trip verbatim"
    );
}

#[test]
fn newer_schema_version_is_refused_naming_both_versions() {
    let err = parse_row(&one_line(&fixture("v2.json")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("schema_version 2"), "{err}");
    assert!(err.contains("schema_version 1"), "{err}");
}
