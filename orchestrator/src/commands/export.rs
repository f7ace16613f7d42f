//! `nbench export --format bmf|gab --out PATH ROWS…`: hands rows to continuous-benchmarking
//! services. `bmf` is the Bencher Metric Format (one JSON object; latency in nanoseconds);
//! `gab` is github-action-benchmark's custom JSON, split into `smaller-is-better.json` (times,
//! tool `customSmallerIsBetter`) and `bigger-is-better.json` (rates, `customBiggerIsBetter`) in
//! the directory PATH. Only `ok` rows with a steady time are exported, newest row per key; the
//! numbers are the worker's own, rescaled to the service's unit, never recomputed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nbench_schema::params::canonical;
use nbench_schema::{Row, Status, exit};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::read;

/// Arguments of `nbench export`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Rows files, run directories or stores, in any mix.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// bmf (Bencher Metric Format) or gab (github-action-benchmark custom JSON).
    #[arg(long, value_parser = ["bmf", "gab"])]
    pub format: String,
    /// bmf: the file to write (default stdout). gab: the directory to write the two files into.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Seconds to the nanoseconds both services display.
const NS: f64 = 1e9;

/// Runs `nbench export`.
pub fn main(args: &Args) -> Result<i32> {
    if !matches!(args.format.as_str(), "bmf" | "gab") {
        return Err(Error::bad(format!(
            "unknown export format `{}`; valid formats: bmf, gab",
            args.format
        )));
    }
    let rows = read::latest(read::load(&args.inputs)?);
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.status == Status::Ok && steady(r).is_some())
        .collect();
    if rows.is_empty() {
        return Err(Error::bad(
            "no ok rows with a measured steady time among the inputs: nothing to export",
        ));
    }
    match args.format.as_str() {
        "bmf" => {
            let text = json(&bmf(&rows));
            match &args.out {
                Some(p) => write(p, &text)?,
                None => print!("{text}"),
            }
        }
        _ => {
            let dir = args.out.as_ref().ok_or_else(|| {
                Error::bad("--format gab writes two files: name their directory with --out DIR")
            })?;
            std::fs::create_dir_all(dir).map_err(|source| Error::Unwritable {
                path: dir.clone(),
                source,
            })?;
            let (smaller, bigger) = gab(&rows);
            write(&dir.join("smaller-is-better.json"), &json(&smaller))?;
            write(&dir.join("bigger-is-better.json"), &json(&bigger))?;
        }
    }
    Ok(exit::SUCCESS)
}

fn steady(r: &Row) -> Option<&nbench_schema::TimeStats> {
    r.metrics.as_ref()?.steady_time.as_ref()
}

/// `probe[params] backend/provider/platform seed=N`, plus the A/B variant when there is one.
pub fn name(r: &Row) -> String {
    let mut n = format!(
        "{}[{}] {}/{}/{} seed={}",
        r.probe,
        canonical(&r.params),
        r.backend,
        r.provider,
        r.platform,
        r.seed
    );
    if let Some(v) = &r.variant {
        n.push_str(&format!(" variant={v}"));
    }
    n
}

#[derive(Serialize)]
struct BmfValue {
    value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    lower_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper_value: Option<f64>,
}

fn bmf(rows: &[&Row]) -> BTreeMap<String, BTreeMap<&'static str, BmfValue>> {
    let mut out = BTreeMap::new();
    for r in rows {
        let Some(t) = steady(r) else { continue };
        let mut m = BTreeMap::new();
        // Median as the value, the process's fastest and 95th-percentile call as its bounds.
        m.insert(
            "latency",
            BmfValue {
                value: t.median * NS,
                lower_value: Some(t.min * NS),
                upper_value: Some(t.p95 * NS),
            },
        );
        if let Some(v) = r.metrics.as_ref().and_then(|m| m.throughput) {
            m.insert("throughput", plain(v));
        }
        out.insert(name(r), m);
    }
    out
}

fn plain(value: f64) -> BmfValue {
    BmfValue {
        value,
        lower_value: None,
        upper_value: None,
    }
}

#[derive(Serialize)]
struct GabEntry {
    name: String,
    unit: &'static str,
    value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<String>,
}

fn gab(rows: &[&Row]) -> (Vec<GabEntry>, Vec<GabEntry>) {
    let (mut smaller, mut bigger) = (Vec::new(), Vec::new());
    for r in rows {
        let Some(t) = steady(r) else { continue };
        let n = name(r);
        smaller.push(GabEntry {
            name: n.clone(),
            unit: "ns",
            value: t.median * NS,
            range: Some(format!(
                "min {:.3} ns, p95 {:.3} ns",
                t.min * NS,
                t.p95 * NS
            )),
            extra: Some(format!("{} samples × {} calls", t.n, t.iters_per_sample)),
        });
        let Some(m) = r.metrics.as_ref() else {
            continue;
        };
        for (metric, unit, v) in [
            ("throughput", "elem/s", m.throughput),
            ("gflops", "GFLOP/s", m.gflops),
            ("bandwidth", "B/s", m.bandwidth),
        ] {
            if let Some(v) = v {
                bigger.push(GabEntry {
                    name: format!("{n} {metric}"),
                    unit,
                    value: v,
                    range: None,
                    extra: None,
                });
            }
        }
    }
    smaller.sort_by(|a, b| a.name.cmp(&b.name));
    bigger.sort_by(|a, b| a.name.cmp(&b.name));
    (smaller, bigger)
}

fn json<T: Serialize>(v: &T) -> String {
    // Maps with string keys and plain numbers always serialise.
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Unwritable {
        path: path.to_path_buf(),
        source,
    })
}
