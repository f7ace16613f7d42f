//! The export formats of rows for continuous-benchmarking services, each an [`Exporter`] of
//! the rows to export: [`Bmf`] (the Bencher Metric Format, one JSON object, latency in
//! nanoseconds) and github-action-benchmark's custom JSON, whose two files are two exporters
//! ([`GabSmaller`]: times, tool `customSmallerIsBetter`; [`GabBigger`]: rates,
//! `customBiggerIsBetter`). The numbers are the worker's own, rescaled to the service's unit,
//! never recomputed; which rows are exported is the command's choice.

use std::collections::BTreeMap;

use nbench_schema::Row;
use nbench_schema::params::canonical;
use serde::Serialize;

use super::Exporter;

/// `nbench export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Bencher Metric Format: one JSON document (to --out FILE or stdout).
    Bmf,
    /// github-action-benchmark custom JSON: two files in the directory --out DIR.
    Gab,
}

/// What one export format writes: each exporter with the file name it takes inside `--out DIR`
/// (`None`: the format is one document, written to `--out FILE` or stdout).
pub type Outputs = Vec<(Option<&'static str>, Box<dyn for<'a> Exporter<[&'a Row]>>)>;

impl Format {
    /// The documents of this format.
    pub fn outputs(self) -> Outputs {
        match self {
            Format::Bmf => vec![(None, Box::new(Bmf))],
            Format::Gab => vec![
                (Some("smaller-is-better.json"), Box::new(GabSmaller)),
                (Some("bigger-is-better.json"), Box::new(GabBigger)),
            ],
        }
    }
}

/// `--format bmf`.
pub struct Bmf;

impl Exporter<[&Row]> for Bmf {
    fn write(&self, doc: &[&Row], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        json(w, &bmf(doc))
    }
}

/// `--format gab`: `smaller-is-better.json`.
pub struct GabSmaller;

impl Exporter<[&Row]> for GabSmaller {
    fn write(&self, doc: &[&Row], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        json(w, &gab(doc).0)
    }
}

/// `--format gab`: `bigger-is-better.json`.
pub struct GabBigger;

impl Exporter<[&Row]> for GabBigger {
    fn write(&self, doc: &[&Row], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        json(w, &gab(doc).1)
    }
}

/// Seconds to the nanoseconds both services display.
const NS: f64 = 1e9;

pub fn steady(r: &Row) -> Option<&nbench_schema::TimeStats> {
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

fn json<T: Serialize>(w: &mut dyn std::io::Write, v: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, v)?;
    w.write_all(b"\n")
}
