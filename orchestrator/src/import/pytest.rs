//! pytest-benchmark's JSON (`--benchmark-json`, or a run saved with `--benchmark-save`):
//! `benchmarks[]` with `name`, `group`, `params` and `stats` (`min`, `max`, `mean`, `stddev`,
//! `median`, `q1`, `q3`, `rounds`, `iterations`, and `data` — every round's time per call —
//! when it was kept). The top-level `version` is the plugin's; `machine_info` names the host.
//! `iqr`, `ops`, outlier counts and `extra_info` are not kept.

use nbench_schema::{ParamValue, Params, Status};
use serde_json::{Map, Value};

use super::bench::{Bench, Doc, Given, SampleUnit, Times, check_time};
use super::json::{self, R};
use super::{Format, Input, Reader};

/// The pytest-benchmark reader.
pub struct PytestBenchmark;

/// The group of benchmarks that have none.
pub const DEFAULT_GROUP: &str = "default";

impl Reader for PytestBenchmark {
    fn format(&self) -> Format {
        Format::PytestBenchmark
    }

    fn sniff(&self, input: &Input<'_>) -> bool {
        let Input::Text(text) = input else {
            return false;
        };
        let Ok(v) = json::parse(text) else {
            return false;
        };
        v.get("context").is_none()
            && v.get("benchmarks")
                .and_then(Value::as_array)
                .is_some_and(|b| b.iter().all(|x| x.get("stats").is_some()))
    }

    fn read(&self, input: &Input<'_>) -> R<Doc> {
        let Input::Text(text) = input else {
            return Err("pytest-benchmark's output is a JSON file, not a directory".into());
        };
        read(text)
    }
}

/// Reads a pytest-benchmark JSON document.
pub fn read(text: &str) -> R<Doc> {
    let doc = json::parse(text)?;
    let top = json::object(&doc, "the document")?;
    let list = json::get(top, "benchmarks").ok_or("no `benchmarks` array")?;
    let benches = json::array(list, "benchmarks")?
        .iter()
        .enumerate()
        .map(|(i, b)| bench(b, &format!("benchmarks[{i}]")))
        .collect::<R<Vec<_>>>()?;
    let empty = Map::new();
    let machine = match json::get(top, "machine_info") {
        Some(m) => json::object(m, "machine_info")?,
        None => &empty,
    };
    let cpu = json::get(machine, "cpu")
        .and_then(Value::as_object)
        .and_then(|c| json::get(c, "brand_raw"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Doc {
        tool: "pytest-benchmark",
        version: json::string(top, "version", "the document")?,
        date: json::string(top, "datetime", "the document")?,
        hostname: json::string(machine, "node", "machine_info")?,
        cpu,
        benches,
    })
}

fn bench(v: &Value, at: &str) -> R<Bench> {
    let o = json::object(v, at)?;
    let name = json::string(o, "name", at)?.ok_or(format!("{at} has no `name`"))?;
    let group = json::string(o, "group", at)?.unwrap_or_else(|| DEFAULT_GROUP.into());
    let backend = match name.find('[') {
        Some(i) if i > 0 => name[..i].to_string(),
        _ => name.clone(),
    };
    let mut params: Params = json::params(json::get(o, "params"), &format!("{at}.params"))?;
    if params.is_empty()
        && let Some(p) = json::string(o, "param", at)?
    {
        params.insert("param".into(), ParamValue::from_cli(&p));
    }
    let sat = format!("{at}.stats");
    let stats = json::object(
        json::get(o, "stats").ok_or(format!("{at} has no `stats`"))?,
        &sat,
    )?;
    let iters = json::count(stats, "iterations", &sat)?.unwrap_or(1);
    let times = match json::get(stats, "data") {
        Some(d) => Times::Samples {
            values: json::numbers(d, &format!("{sat}.data"))?
                .into_iter()
                .enumerate()
                .map(|(i, x)| check_time(x, &format!("{sat}.data[{i}]")))
                .collect::<R<Vec<_>>>()?,
            iters_per_sample: iters,
            unit: SampleUnit::Batch,
        },
        None => {
            let stat = |k: &str| -> R<Option<f64>> {
                json::num(stats, k, &sat)?
                    .map(|x| check_time(x, &format!("{sat}.{k}")))
                    .transpose()
            };
            Times::Summary(Given {
                min: stat("min")?,
                median: stat("median")?,
                mean: stat("mean")?,
                std: stat("stddev")?,
                p25: stat("q1")?,
                p75: stat("q3")?,
                max: stat("max")?,
                n: json::count(stats, "rounds", &sat)?,
                iters_per_sample: iters,
            })
        }
    };
    Ok(Bench {
        name,
        group,
        backend,
        params,
        times,
        status: Status::Ok,
        message: None,
        exit_code: None,
        peak_rss: None,
    })
}
