//! What a point's statistics could use when a side holds rows imported from another tool
//! (`nbench import`): such rows may lack raw samples (summary statistics only, some of them
//! stand-ins the row marks as not measured), and their samples may all come from one process
//! of the tool. The gate must not use a stand-in, must not rank-test a median against a
//! median, and must say which statistics entered the verdict. Pure; no verdicts decided here.

use nbench_schema::{Row, TimeStats};

/// Whether `r`'s steady time field `stat` is a measurement (always, for nbench's own rows).
pub fn measured(r: &Row, stat: &str) -> bool {
    r.imported.as_ref().is_none_or(|i| i.measured(stat))
}

/// Whether `t` carries raw samples.
pub fn has_samples(t: &TimeStats) -> bool {
    t.samples.as_ref().is_some_and(|s| !s.is_empty())
}

fn side(rows: &[&Row]) -> String {
    let n = rows.len();
    let s = if n == 1 { "" } else { "es" };
    match rows.iter().find_map(|r| r.imported.as_ref()) {
        None => format!("{n} process{s} measured by nbench"),
        Some(i) => {
            let what = match i.sample.as_deref() {
                Some("process") => "samples each a whole process",
                Some(_) => "samples from inside the tool's process",
                None => "summary statistics only",
            };
            let provider = rows
                .first()
                .map_or(i.tool.as_str(), |r| r.provider.as_str());
            format!(
                "{n} row{} imported from {provider}, {what}",
                if n == 1 { "" } else { "s" }
            )
        }
    }
}

/// The note for a point whose matched seeds are `seeds`, when either side was imported:
/// what each side is, which statistics were used and which were not, and why.
pub fn note(seeds: &[(u64, &Row, &Row)], processes: usize) -> Option<String> {
    if !seeds
        .iter()
        .any(|(_, b, c)| b.imported.is_some() || c.imported.is_some())
    {
        return None;
    }
    let b: Vec<&Row> = seeds.iter().map(|(_, b, _)| *b).collect();
    let c: Vec<&Row> = seeds.iter().map(|(_, _, c)| *c).collect();
    let all = |stat: &str| {
        seeds
            .iter()
            .all(|(_, b, c)| measured(b, stat) && measured(c, stat))
    };
    let samples = |r: &Row| {
        r.metrics
            .as_ref()
            .and_then(|m| m.steady_time.as_ref())
            .is_some_and(has_samples)
    };
    let (mut used, mut unused) = (Vec::new(), Vec::new());
    for stat in ["min", "p95"] {
        if all(stat) {
            used.push(stat.to_string());
        } else {
            unused.push(format!("{stat} (not given by the tool)"));
        }
    }
    if seeds.iter().all(|(_, b, c)| samples(b) && samples(c)) {
        used.push("per-seed rank test".into());
    } else {
        unused.push("per-seed rank test (no raw samples)".into());
    }
    if processes >= 2 {
        used.push(format!(
            "median and significance by the between-process bootstrap over {processes} pairs"
        ));
    } else {
        unused.push(format!(
            "median and significance ({} matched pair{}; the between-process bootstrap needs 2)",
            seeds.len(),
            if seeds.len() == 1 { "" } else { "s" }
        ));
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "nothing".to_string()
        } else {
            v.join(", ")
        }
    };
    Some(format!(
        "baseline: {}; current: {}; used: {}; not used: {}",
        side(&b),
        side(&c),
        list(&used),
        list(&unused)
    ))
}
