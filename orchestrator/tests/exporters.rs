//! Every exporter on one fixture set, in process: the summary formats, the report, the
//! comparison formats, the catalogue listing and the service exports each render the same
//! deterministic documents, and each is pinned by a snapshot, so a change to any format shows
//! as a snapshot diff. The rows are built from the committed golden `ok` and failure rows with
//! fixed times, so nothing here depends on a machine.

use std::path::Path;

use nbench::analysis::gate::{self, Comparison, GateSettings};
use nbench::analysis::summary::{self, Summary};
use nbench::commands::summary::Format as SummaryFormat;
use nbench::render::Exporter;
use nbench::render::compare::Format as CompareFormat;
use nbench::render::export::Format as ExportFormat;
use nbench::render::listing;
use nbench::render::report::{Report, ReportDoc};
use nbench_schema::{ProbeInfo, Row};
use serde_json::{Value, json};

fn golden(status: &str) -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/fixtures/rows/{status}.json"));
    let text = std::fs::read_to_string(&path).expect("golden row");
    serde_json::from_str(&text).expect("golden row is JSON")
}

/// An `ok` row of `vec.add` at `size` on `backend` for `seed`, every sample `t` scaled by a
/// small fixed pattern.
fn ok(size: i64, backend: &str, seed: u64, t: f64) -> Row {
    let mut r = golden("ok");
    r["probe"] = json!("vec.add");
    r["family"] = json!("vec");
    r["params"] = json!({ "size": size });
    r["backend"] = json!(backend);
    r["seed"] = json!(seed);
    r["attempt_id"] = json!(format!("a{seed:05}"));
    let samples: Vec<f64> = (0..20)
        .map(|i| t * (1.0 + 0.001 * ((i * 7 + seed as i64) % 5) as f64))
        .collect();
    let s = &mut r["metrics"]["steady_time"];
    for (k, f) in [
        ("min", 1.0),
        ("median", 1.002),
        ("mean", 1.002),
        ("p25", 1.001),
        ("p75", 1.003),
        ("p95", 1.004),
        ("p99", 1.004),
        ("max", 1.004),
    ] {
        s[k] = json!(t * f);
    }
    s["n"] = json!(samples.len());
    s["samples"] = json!(samples);
    serde_json::from_value(r).expect("a valid row")
}

/// Two sizes, two backends, four seeds at `scale`, plus one crashed row.
fn rows(scale: f64) -> Vec<Row> {
    let mut out = Vec::new();
    for seed in 0..4 {
        for (size, t) in [(1000, 1.0e-6), (100000, 1.0e-4)] {
            out.push(ok(size, "scalar", seed, t * scale));
            out.push(ok(size, "avx2", seed, t * scale / 4.0));
        }
    }
    let mut crashed = golden("crashed");
    crashed["probe"] = json!("vec.add");
    crashed["family"] = json!("vec");
    crashed["params"] = json!({ "size": 1000 });
    out.push(serde_json::from_value(crashed).expect("a valid row"));
    out
}

fn summary() -> Summary {
    summary::summarize(&rows(1.0), &summary::Options::default())
}

fn comparison() -> Comparison {
    let ok_only =
        |rs: Vec<Row>| -> Vec<Row> { rs.into_iter().filter(|r| r.status.is_ok()).collect() };
    gate::compare(
        &ok_only(rows(1.0)),
        &ok_only(rows(1.2)),
        &GateSettings::default(),
        "base",
        "cur",
    )
    .expect("comparable sides")
}

#[test]
fn summary_formats() {
    let s = summary();
    for (name, f) in [
        ("table", SummaryFormat::Table),
        ("md", SummaryFormat::Md),
        ("json", SummaryFormat::Json),
        ("csv", SummaryFormat::Csv),
    ] {
        insta::assert_snapshot!(format!("summary_{name}"), f.exporter().render(&s));
    }
}

#[test]
fn report() {
    let s = summary();
    let manifests = vec![json!({"run_id": "20261202T000000Z-000000", "status": "complete"})];
    insta::assert_snapshot!(
        "report",
        Report.render(&ReportDoc {
            summary: &s,
            manifests: &manifests
        })
    );
}

#[test]
fn compare_formats() {
    let c = comparison();
    assert!(c.tally.regressions > 0, "a 20 % slowdown is a regression");
    for (name, f) in [
        ("table", CompareFormat::Table),
        ("md", CompareFormat::Md),
        ("json", CompareFormat::Json),
        ("junit", CompareFormat::Junit),
        ("github", CompareFormat::Github),
    ] {
        insta::assert_snapshot!(format!("compare_{name}"), f.exporter(false).render(&c));
    }
}

#[test]
fn listing_formats() {
    let probe: ProbeInfo = serde_json::from_value(json!({
        "name": "vec.add", "family": "vec", "description": "c = a + b",
        "axes": [{"name": "size", "kind": "int", "values": [1000, 100000], "representative": 1000, "open": true}],
        "backends": [{"name": "scalar", "platform": "cpu"}, {"name": "cuda", "platform": "cuda"}],
        "hidden": false
    }))
    .expect("a valid catalogue entry");
    let probes = [&probe];
    insta::assert_snapshot!("listing_table", listing::Table.render(&probes[..]));
    insta::assert_snapshot!("listing_json", listing::Json.render(&probes[..]));
}

#[test]
fn export_formats() {
    let all = rows(1.0);
    let ok: Vec<&Row> = all.iter().filter(|r| r.status.is_ok()).collect();
    for (format, name) in [(ExportFormat::Bmf, "bmf"), (ExportFormat::Gab, "gab")] {
        for (file, exporter) in format.outputs() {
            let label = format!("export_{name}_{}", file.unwrap_or("stdout"));
            insta::assert_snapshot!(label, exporter.render(&ok[..]));
        }
    }
}
