//! Synthetic rows for the report and dashboard tests, built from the committed golden rows
//! (`tests/fixtures/rows/*.json`) with fixed run ids, hosts and times, so rendered output is
//! stable and snapshot-testable. Includes a hostile row whose probe, backend and failure
//! message carry markup, quotes and Markdown table delimiters.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The string every renderer must neutralise.
pub const SCRIPT: &str = "<script>alert(1)</script>";

/// A golden row by status name, as JSON.
pub fn golden(status: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/rows/{status}.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// An `ok` row of `probe` at `params` with `min` seconds (other statistics follow from it).
pub fn ok(probe: &str, params: Value, backend: &str, seed: u64, min: f64, rss: u64) -> Value {
    let mut r = golden("ok");
    r["probe"] = json!(probe);
    r["family"] = json!(probe.split('.').next().unwrap_or(probe));
    r["params"] = params;
    r["backend"] = json!(backend);
    r["seed"] = json!(seed);
    r["attempt_id"] = json!(format!("a{:05}", seed));
    r["problem_digest"] = json!(format!("{:016x}", 0xd16e57u64 + seed));
    let t = &mut r["metrics"]["steady_time"];
    for (k, f) in [
        ("min", 1.0),
        ("median", 1.1),
        ("mean", 1.12),
        ("p25", 1.05),
        ("p75", 1.2),
        ("p95", 1.4),
        ("p99", 1.5),
        ("max", 1.6),
    ] {
        t[k] = json!(min * f);
    }
    r["metrics"]["peak_rss"] = json!(rss);
    r
}

/// The standard fixture: two sizes of `vec.add` on scalar and simd (simd fails fidelity on one
/// seed at 1000), `tensor.matmul` naive against faer, a crashed calibration row, a skipped
/// row, and the hostile row.
pub fn standard() -> Vec<Value> {
    let mut rows = Vec::new();
    for seed in 0..4u64 {
        let s = seed as f64;
        for (size, base) in [(100, 1.0e-7), (1000, 1.0e-6)] {
            rows.push(ok(
                "vec.add",
                json!({"size": size}),
                "scalar",
                seed,
                base * (1.0 + s / 100.0),
                3 << 20,
            ));
            let mut simd = ok(
                "vec.add",
                json!({"size": size}),
                "simd",
                seed,
                base / 4.0 * (1.0 + s / 50.0),
                4 << 20,
            );
            if size == 1000 && seed == 2 {
                let bad = golden("fidelity_failed");
                simd["status"] = bad["status"].clone();
                simd["failure"] = bad["failure"].clone();
                simd["fidelity"] = bad["fidelity"].clone();
            }
            rows.push(simd);
        }
        rows.push(ok(
            "tensor.matmul",
            json!({"size": 100, "dtype": "f64"}),
            "naive",
            seed,
            2.0e-4,
            5 << 20,
        ));
        rows.push(ok(
            "tensor.matmul",
            json!({"size": 100, "dtype": "f64"}),
            "faer",
            seed,
            4.0e-5,
            6 << 20,
        ));
    }
    rows.push(golden("crashed"));
    rows.push(golden("skipped"));
    rows.push(hostile());
    rows
}

/// A failed row whose every free-text field is an attack on some renderer.
pub fn hostile() -> Value {
    let mut r = golden("error");
    r["probe"] = json!(format!("vec.{SCRIPT}"));
    r["backend"] = json!("b|\"q\"'=x");
    r["failure"]["message"] = json!(format!(
        "{SCRIPT} | \"quoted\" & <b>bold</b> `tick` *star* \u{1b}[31mred"
    ));
    r
}

/// Writes rows as JSONL at `path`.
pub fn write(path: &Path, rows: &[Value]) -> PathBuf {
    let text: String = rows
        .iter()
        .map(|r| format!("{}\n", serde_json::to_string(r).expect("row")))
        .collect();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_path_buf()
}
