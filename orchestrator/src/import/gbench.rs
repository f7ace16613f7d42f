//! Google Benchmark's JSON (`--benchmark_format=json`, `--benchmark_out`): `context` (machine,
//! executable, date, `library_version` in newer releases) and `benchmarks[]`. Entries with
//! `run_type` `iteration` are samples — one per repetition, each the mean `real_time` of its
//! `iterations` calls; `aggregate` entries (`mean`, `median`, `stddev`, …) are not samples and
//! are used only when a run has no iteration entries (`--benchmark_report_aggregates_only`).
//! `error_occurred` and `skipped` become statuses. `cpu_time` and user counters are not kept.

use nbench_schema::{ParamValue, Params, Status};
use serde_json::{Map, Value};

use super::bench::{Bench, Doc, Given, SampleUnit, Times, check_time};
use super::json::{self, R};
use super::{Format, Input, Reader};

/// The Google Benchmark reader.
pub struct GoogleBenchmark;

impl Reader for GoogleBenchmark {
    fn format(&self) -> Format {
        Format::GoogleBenchmark
    }

    fn sniff(&self, input: &Input<'_>) -> bool {
        let Input::Text(text) = input else {
            return false;
        };
        let Ok(v) = json::parse(text) else {
            return false;
        };
        v.get("context").is_some_and(Value::is_object)
            && v.get("benchmarks").is_some_and(Value::is_array)
    }

    fn read(&self, input: &Input<'_>) -> R<Doc> {
        let Input::Text(text) = input else {
            return Err("Google Benchmark's output is a JSON file, not a directory".into());
        };
        read(text)
    }
}

/// One run (a `run_name`) as its entries arrive.
#[derive(Default)]
struct Run {
    name: String,
    samples: Vec<f64>,
    iterations: Vec<u64>,
    given: Given,
    has_aggregate: bool,
    error: Option<String>,
    skipped: Option<String>,
}

/// Reads a Google Benchmark JSON document.
pub fn read(text: &str) -> R<Doc> {
    let doc = json::parse(text)?;
    let top = json::object(&doc, "the document")?;
    let empty = Map::new();
    let ctx = match json::get(top, "context") {
        Some(c) => json::object(c, "context")?,
        None => &empty,
    };
    let group = json::string(ctx, "executable", "context")?
        .and_then(|e| e.rsplit('/').next().map(str::to_string))
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "benchmarks".into());
    let list = json::get(top, "benchmarks").ok_or("no `benchmarks` array")?;
    let mut runs: Vec<Run> = Vec::new();
    for (i, b) in json::array(list, "benchmarks")?.iter().enumerate() {
        entry(b, &format!("benchmarks[{i}]"), &mut runs)?;
    }
    let benches = runs.into_iter().map(|r| bench(r, &group)).collect();
    Ok(Doc {
        tool: "google-benchmark",
        version: json::string(ctx, "library_version", "context")?,
        date: json::string(ctx, "date", "context")?,
        hostname: json::string(ctx, "host_name", "context")?,
        cpu: None,
        benches,
    })
}

/// Units per second (dividing by it keeps `2 ms` exactly `0.002 s`).
fn unit_scale(unit: &str, at: &str) -> R<f64> {
    Ok(match unit {
        "ns" => 1e9,
        "us" => 1e6,
        "ms" => 1e3,
        "s" => 1.0,
        other => return Err(format!("{at}.time_unit is `{other}`; known: ns, us, ms, s")),
    })
}

fn entry(v: &Value, at: &str, runs: &mut Vec<Run>) -> R<()> {
    let o = json::object(v, at)?;
    let name = json::string(o, "name", at)?.ok_or(format!("{at} has no `name`"))?;
    let run_name = json::string(o, "run_name", at)?.unwrap_or_else(|| name.clone());
    let idx = match runs.iter().position(|r| r.name == run_name) {
        Some(i) => i,
        None => {
            runs.push(Run {
                name: run_name,
                ..Run::default()
            });
            runs.len() - 1
        }
    };
    let run = &mut runs[idx];
    if json::flag(o, "error_occurred") {
        let msg = json::string(o, "error_message", at)?.unwrap_or_default();
        run.error = Some(msg);
        return Ok(());
    }
    // 1.8 and later: `skipped` is 1 for SkipWithMessage, 2 for SkipWithError.
    if json::flag(o, "skipped") {
        let msg = json::string(o, "skip_message", at)?.unwrap_or_default();
        if json::count(o, "skipped", at).ok().flatten() == Some(2) {
            run.error = Some(msg);
        } else {
            run.skipped = Some(msg);
        }
        return Ok(());
    }
    let unit = json::string(o, "time_unit", at)?.unwrap_or_else(|| "ns".into());
    let scale = unit_scale(&unit, at)?;
    let Some(real) = json::num(o, "real_time", at)? else {
        return Err(format!("{at} has no `real_time`"));
    };
    let real = check_time(real, &format!("{at}.real_time"))? / scale;
    let run_type = json::string(o, "run_type", at)?.unwrap_or_else(|| "iteration".into());
    if run_type == "aggregate" {
        run.has_aggregate = true;
        let slot = match json::string(o, "aggregate_name", at)?.as_deref() {
            Some("mean") => &mut run.given.mean,
            Some("median") => &mut run.given.median,
            Some("stddev") => &mut run.given.std,
            Some("min") => &mut run.given.min,
            Some("max") => &mut run.given.max,
            // `cv` is a ratio, and user-defined aggregates have no fixed meaning.
            _ => return Ok(()),
        };
        *slot = Some(real);
        if let Some(r) = json::count(o, "repetitions", at)? {
            run.given.n = Some(r);
        }
        return Ok(());
    }
    run.samples.push(real);
    run.iterations
        .push(json::count(o, "iterations", at)?.unwrap_or(1));
    Ok(())
}

/// `BM_copy/1024/repeats:3` → backend `BM_copy`, params `arg0=1024, repeats=3`.
fn split_name(run_name: &str) -> (String, Params) {
    let mut parts = run_name.split('/');
    let backend = parts.next().unwrap_or(run_name).to_string();
    let mut params = Params::new();
    let mut positional = 0;
    for p in parts {
        match p.split_once(':') {
            Some((k, v)) if !k.is_empty() => {
                params.insert(k.to_string(), ParamValue::from_cli(v));
            }
            _ => {
                params.insert(format!("arg{positional}"), ParamValue::from_cli(p));
                positional += 1;
            }
        }
    }
    (backend, params)
}

fn bench(r: Run, group: &str) -> Bench {
    let (backend, params) = split_name(&r.name);
    let (status, message) = match (&r.error, &r.skipped) {
        (Some(e), _) => (
            Status::Error,
            Some(format!("google benchmark reported an error: {e}")),
        ),
        (None, Some(s)) => (
            Status::Skipped,
            Some(format!("google benchmark skipped it: {s}")),
        ),
        (None, None) => (Status::Ok, None),
    };
    let times = if status != Status::Ok {
        Times::None
    } else if !r.samples.is_empty() {
        let mut it = r.iterations.clone();
        it.sort_unstable();
        Times::Samples {
            values: r.samples,
            iters_per_sample: it[it.len() / 2],
            unit: SampleUnit::Batch,
        }
    } else if r.has_aggregate {
        Times::Summary(Given {
            iters_per_sample: 1,
            ..r.given
        })
    } else {
        Times::None
    };
    Bench {
        name: r.name,
        group: group.to_string(),
        backend,
        params,
        times,
        status,
        message,
        exit_code: None,
        peak_rss: None,
    }
}
