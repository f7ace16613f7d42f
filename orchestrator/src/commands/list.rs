//! `nbench list`: the probe catalogue as a table or JSON. Rendering only; the catalogue comes
//! from the worker.

use std::fmt::Write;

use nbench_schema::{ProbeInfo, exit};

use crate::catalogue::Catalogue;
use crate::cli::ListArgs;
use crate::error::{Error, Result};
use crate::locate;

/// Runs `nbench list`.
pub fn list(args: &ListArgs) -> Result<i32> {
    let worker = locate::worker(args.worker.worker.as_deref())?;
    let cat = Catalogue::from_worker(&worker)?;
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
            print!("{}", table(&shown));
            // The providers section depends on the machine's interpreters; a family view
            // stays a pure catalogue listing.
            if args.family.is_empty() {
                print!("{}", crate::provider::listing::table(&worker));
            }
        }
        "json" => {
            let text = serde_json::to_string_pretty(&shown)
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
