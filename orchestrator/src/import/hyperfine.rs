//! hyperfine's `--export-json`: `results[]`, one per command (after parameter substitution),
//! with every run's wall time in `times` (seconds; each its own process), or only `mean`,
//! `stddev`, `median`, `min`, `max` in files written without them; `parameters`, `exit_codes`
//! and `memory_usage_byte` when present. hyperfine does not write its version into the file.

use nbench_schema::Status;
use serde_json::Value;

use super::bench::{Bench, Doc, Given, SampleUnit, Times, check_time};
use super::json::{self, R};
use super::{Format, Input, Reader};

/// The hyperfine reader.
pub struct Hyperfine;

/// The group every command belongs to: hyperfine compares commands.
pub const GROUP: &str = "commands";

impl Reader for Hyperfine {
    fn format(&self) -> Format {
        Format::Hyperfine
    }

    fn sniff(&self, input: &Input<'_>) -> bool {
        let Input::Text(text) = input else {
            return false;
        };
        let Ok(v) = json::parse(text) else {
            return false;
        };
        v.get("results")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().all(|x| x.get("command").is_some()))
    }

    fn read(&self, input: &Input<'_>) -> R<Doc> {
        let Input::Text(text) = input else {
            return Err("hyperfine's export is a JSON file, not a directory".into());
        };
        read(text)
    }
}

/// Reads an `--export-json` document.
pub fn read(text: &str) -> R<Doc> {
    let doc = json::parse(text)?;
    let top = json::object(&doc, "the document")?;
    let results = json::get(top, "results").ok_or("no `results` array")?;
    let benches = json::array(results, "results")?
        .iter()
        .enumerate()
        .map(|(i, r)| result(r, &format!("results[{i}]")))
        .collect::<R<Vec<_>>>()?;
    Ok(Doc {
        tool: "hyperfine",
        version: None,
        date: None,
        hostname: None,
        cpu: None,
        benches,
    })
}

fn result(v: &Value, at: &str) -> R<Bench> {
    let o = json::object(v, at)?;
    let command = json::string(o, "command", at)?.ok_or(format!("{at} has no `command`"))?;
    let times = match json::get(o, "times") {
        Some(t) => {
            let values = json::numbers(t, &format!("{at}.times"))?
                .into_iter()
                .enumerate()
                .map(|(i, x)| check_time(x, &format!("{at}.times[{i}]")))
                .collect::<R<Vec<_>>>()?;
            Times::Samples {
                values,
                iters_per_sample: 1,
                unit: SampleUnit::Process,
            }
        }
        None => {
            let stat = |k: &str| -> R<Option<f64>> {
                json::num(o, k, at)?
                    .map(|x| check_time(x, &format!("{at}.{k}")))
                    .transpose()
            };
            let exit_codes = json::get(o, "exit_codes").and_then(Value::as_array);
            Times::Summary(Given {
                min: stat("min")?,
                median: stat("median")?,
                mean: stat("mean")?,
                std: stat("stddev")?,
                max: stat("max")?,
                n: exit_codes.map(|c| c.len() as u64),
                iters_per_sample: 1,
                ..Given::default()
            })
        }
    };
    let params = json::params(json::get(o, "parameters"), &format!("{at}.parameters"))?;
    let codes: Vec<i64> = match json::get(o, "exit_codes") {
        Some(c) => json::array(c, &format!("{at}.exit_codes"))?
            .iter()
            .filter_map(Value::as_i64)
            .collect(),
        None => Vec::new(),
    };
    let failed: Vec<i64> = codes.iter().copied().filter(|c| *c != 0).collect();
    let peak_rss = match json::get(o, "memory_usage_byte") {
        Some(m) => json::numbers(m, &format!("{at}.memory_usage_byte"))?
            .into_iter()
            .filter(|b| b.is_finite() && *b >= 0.0)
            .map(|b| b as u64)
            .max(),
        None => None,
    };
    let (status, message, exit_code) = match failed.first() {
        None => (Status::Ok, None, None),
        Some(first) => (
            Status::Crashed,
            Some(format!(
                "{} of {} runs of `{command}` exited non-zero (first code {first}); hyperfine kept their times (-i)",
                failed.len(),
                codes.len()
            )),
            i32::try_from(*first).ok(),
        ),
    };
    Ok(Bench {
        name: command.clone(),
        group: GROUP.into(),
        backend: command,
        params,
        times,
        status,
        message,
        exit_code,
        peak_rss,
    })
}
