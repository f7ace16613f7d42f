//! Criterion.rs's `target/criterion` tree: one directory per benchmark (`<group>/<function>/
//! <value>/`), whose `new/` holds `estimates.json` (mean, median, std_dev, median_abs_dev,
//! slope: each a `point_estimate` in nanoseconds), `sample.json` (`iters` and `times`: each
//! sample's iteration count and total nanoseconds) and `benchmark.json` (`group_id`,
//! `function_id`, `value_str`). Older Criterion capitalised these keys (`Mean`, `StdDev`,
//! `Iters`) or wrote the sample as a pair of arrays; both read. `base/`, `change/` and the
//! HTML report are ignored. Criterion does not write its version.

use std::path::{Path, PathBuf};

use nbench_schema::{ParamValue, Params, Status};
use serde_json::Value;

use super::bench::{Bench, Doc, Given, SampleUnit, Times, check_time};
use super::json::{self, R};
use super::{Format, Input, Reader};

/// The Criterion.rs reader.
pub struct Criterion;

/// How deep under the given directory benchmark directories are looked for.
const MAX_DEPTH: usize = 8;

impl Reader for Criterion {
    fn format(&self) -> Format {
        Format::Criterion
    }

    fn sniff(&self, input: &Input<'_>) -> bool {
        matches!(input, Input::Dir(d) if is_tree(d))
    }

    fn read(&self, input: &Input<'_>) -> R<Doc> {
        let Input::Dir(dir) = input else {
            return Err(
                "Criterion's results are a directory (target/criterion), not a file".into(),
            );
        };
        let mut found = Vec::new();
        walk(dir, dir, 0, &mut found);
        found.sort();
        if found.is_empty() {
            return Err("holds no */new/estimates.json: not a Criterion results tree".into());
        }
        let mut benches = Vec::new();
        for (rel, new) in found {
            let text = |name: &str| std::fs::read_to_string(new.join(name)).ok();
            let estimates = text("estimates.json")
                .ok_or_else(|| format!("cannot read {}", new.join("estimates.json").display()))?;
            let bench = parse(
                &rel,
                &estimates,
                text("sample.json").as_deref(),
                text("benchmark.json").as_deref(),
            )
            .map_err(|e| format!("{}: {e}", new.display()))?;
            benches.push(bench);
        }
        Ok(Doc {
            tool: "criterion",
            version: None,
            date: None,
            hostname: None,
            cpu: None,
            benches,
        })
    }
}

/// Whether `dir` holds a Criterion benchmark directory (is one, or has one below it).
pub fn is_tree(dir: &Path) -> bool {
    let mut found = Vec::new();
    walk(dir, dir, 0, &mut found);
    !found.is_empty()
}

/// Collects `(path of the benchmark relative to root, its new/ directory)`; never follows
/// symbolic links, so a link loop cannot hang it.
fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(Vec<String>, PathBuf)>) {
    let new = dir.join("new");
    if new.join("estimates.json").is_file() {
        let rel = dir
            .strip_prefix(root)
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        out.push((rel, new));
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name();
        let skip = ["new", "base", "change", "report"]
            .iter()
            .any(|s| name == *s);
        if !skip && e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &e.path(), depth + 1, out);
        }
    }
}

/// One benchmark from its files' texts; `rel` is its directory under the tree (used when
/// `benchmark.json` is missing).
pub fn parse(
    rel: &[String],
    estimates: &str,
    sample: Option<&str>,
    benchmark: Option<&str>,
) -> R<Bench> {
    let (group, function, value, full) = identity(rel, benchmark)?;
    let times = match sample {
        Some(s) => samples(s)?,
        None => summary(estimates)?,
    };
    let mut params = Params::new();
    if let Some(v) = value {
        params.insert("value".into(), ParamValue::from_cli(&v));
    }
    Ok(Bench {
        name: full,
        backend: function.unwrap_or_else(|| group.clone()),
        group,
        params,
        times,
        status: Status::Ok,
        message: None,
        exit_code: None,
        peak_rss: None,
    })
}

type Identity = (String, Option<String>, Option<String>, String);

fn identity(rel: &[String], benchmark: Option<&str>) -> R<Identity> {
    if let Some(text) = benchmark {
        let doc = json::parse(text).map_err(|e| format!("benchmark.json: {e}"))?;
        let o = json::object(&doc, "benchmark.json")?;
        let at = "benchmark.json";
        if let Some(group) = json::string(o, "group_id", at)? {
            let function = json::string(o, "function_id", at)?;
            let value = json::string(o, "value_str", at)?;
            let full = json::string(o, "full_id", at)?.unwrap_or_else(|| rel.join("/"));
            return Ok((group, function, value, full));
        }
    }
    let group = rel.first().cloned().unwrap_or_else(|| "criterion".into());
    let function = rel.get(1).cloned();
    let value = (rel.len() > 2).then(|| rel[2..].join("/"));
    Ok((group, function, value, rel.join("/")))
}

fn samples(text: &str) -> R<Times> {
    let doc = json::parse(text).map_err(|e| format!("sample.json: {e}"))?;
    let (iters, times) = match &doc {
        Value::Object(o) => (
            json::get(o, "iters").ok_or("sample.json has no `iters`")?,
            json::get(o, "times").ok_or("sample.json has no `times`")?,
        ),
        Value::Array(pair) if pair.len() == 2 => (&pair[0], &pair[1]),
        _ => return Err("sample.json is neither {iters, times} nor [iters, times]".into()),
    };
    let iters = json::numbers(iters, "sample.json iters")?;
    let times = json::numbers(times, "sample.json times")?;
    if iters.len() != times.len() {
        return Err(format!(
            "sample.json has {} iteration counts but {} times",
            iters.len(),
            times.len()
        ));
    }
    let mut values = Vec::with_capacity(times.len());
    for (i, (n, t)) in iters.iter().zip(&times).enumerate() {
        if !(n.is_finite() && *n >= 1.0) {
            return Err(format!("sample.json iters[{i}] is {n}, not a count ≥ 1"));
        }
        values.push(check_time(*t, &format!("sample.json times[{i}]"))? / n / 1e9);
    }
    let mut sorted = iters.clone();
    sorted.sort_by(f64::total_cmp);
    let median_iters = sorted.get(sorted.len() / 2).map_or(1, |m| m.round() as u64);
    Ok(Times::Samples {
        values,
        iters_per_sample: median_iters,
        unit: SampleUnit::Batch,
    })
}

fn summary(text: &str) -> R<Times> {
    let doc = json::parse(text).map_err(|e| format!("estimates.json: {e}"))?;
    let o = json::object(&doc, "estimates.json")?;
    let point = |k: &str| -> R<Option<f64>> {
        let Some(e) = json::get(o, k) else {
            return Ok(None);
        };
        let e = json::object(e, &format!("estimates.json {k}"))?;
        json::num(e, "point_estimate", &format!("estimates.json {k}"))?
            .map(|x| check_time(x, &format!("estimates.json {k}.point_estimate")).map(|x| x / 1e9))
            .transpose()
    };
    Ok(Times::Summary(Given {
        median: point("median")?,
        mean: point("mean")?,
        std: point("std_dev")?,
        iters_per_sample: 1,
        ..Given::default()
    }))
}
