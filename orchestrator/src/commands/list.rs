//! `nbench list`: the probe catalogue as a table or JSON, with the worker that provides each
//! probe when a run has several. Rendering only; the catalogue comes from the workers.

use std::fmt::Write;

use nbench_schema::{ProbeInfo, exit};

use crate::cli::ListArgs;
use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::workers::{self, Workers};

/// Runs `nbench list`.
pub fn list(config: Option<&std::path::Path>, args: &ListArgs) -> Result<i32> {
    let (file, _) = FileConfig::load(config)?;
    let workers = Workers::load(workers::resolve(&args.worker.worker, &file.run.workers)?)?;
    let worker = workers.primary().program.clone();
    let cat = &workers.catalogue;
    let families = cat.families();
    for f in &args.family {
        if !families.contains(f) {
            return Err(Error::bad(format!(
                "unknown family `{f}`; valid families: {}",
                families.join(", ")
            )));
        }
    }
    let shown: Vec<&ProbeInfo> = cat
        .probes
        .iter()
        .filter(|p| {
            if args.family.is_empty() {
                args.all || !p.hidden
            } else {
                args.family.contains(&p.family)
            }
        })
        .collect();
    match args.format.as_str() {
        "table" => {
            if workers.workers.len() > 1 {
                print!("{}", table_with_workers(&shown, &workers));
            } else {
                print!("{}", table(&shown));
            }
            // The providers section depends on the machine's interpreters; a family view
            // stays a pure catalogue listing.
            if args.family.is_empty() {
                print!("{}", crate::provider::listing::table(&worker));
            }
        }
        "json" => {
            let with_worker: Vec<serde_json::Value> = shown
                .iter()
                .map(|p| {
                    let mut v = serde_json::to_value(p).unwrap_or_default();
                    if let (Some(o), Some(w)) = (v.as_object_mut(), workers.of(&p.name)) {
                        o.insert("worker".into(), w.argv().into());
                    }
                    v
                })
                .collect();
            let text = serde_json::to_string_pretty(&with_worker)
                .map_err(|e| Error::Runtime(format!("cannot serialize catalogue: {e}")))?;
            println!("{text}");
        }
        other => {
            return Err(Error::bad(format!(
                "unknown format `{other}`; valid formats: table, json"
            )));
        }
    }
    Ok(exit::SUCCESS)
}

/// A fixed-width table, one probe per line.
pub fn table(probes: &[&ProbeInfo]) -> String {
    let rows: Vec<[String; 4]> = probes
        .iter()
        .map(|p| {
            let backends: Vec<String> = p
                .backends
                .iter()
                .map(|b| {
                    if b.platform == "cpu" {
                        b.name.clone()
                    } else {
                        format!("{}@{}", b.name, b.platform)
                    }
                })
                .collect();
            let axes: Vec<String> = p
                .axes
                .iter()
                .map(|a| {
                    let vals: Vec<String> = a.values.iter().map(|v| v.to_string()).collect();
                    let open = if a.open { ",…" } else { "" };
                    format!(
                        "{}={{{}{open}}} (quick {})",
                        a.name,
                        vals.join(","),
                        a.representative
                    )
                })
                .collect();
            [
                p.name.clone(),
                p.family.clone(),
                backends.join(","),
                axes.join("  "),
            ]
        })
        .collect();
    let head = ["probe", "family", "backends", "parameters"];
    let mut w = head.map(str::len);
    for r in &rows {
        for i in 0..3 {
            w[i] = w[i].max(r[i].len());
        }
    }
    let head = head.map(str::to_string);
    let mut out = String::new();
    for r in std::iter::once(&head).chain(&rows) {
        let _ = writeln!(
            out,
            "{:<a$}  {:<b$}  {:<c$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            a = w[0],
            b = w[1],
            c = w[2]
        );
    }
    out
}

/// [`table`] followed by which worker provides each probe (a run with several workers).
fn table_with_workers(probes: &[&ProbeInfo], workers: &Workers) -> String {
    let mut out = table(probes);
    let w = probes
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(out, "\n{:<w$}  worker", "probe");
    for p in probes {
        let by = workers.of(&p.name).map(|w| w.label()).unwrap_or_default();
        let _ = writeln!(out, "{:<w$}  {by}", p.name);
    }
    out
}
