//! Imported benchmarks as rows: one row per benchmark, seed 0, platform `cpu`, provider the
//! tool and its version (`pytest-benchmark@5.3.1`, or the bare tool name when the output does
//! not say it), and nothing nbench did not see — no digest, fidelity, measurement protocol,
//! host or worker. The `imported` block names the tool, the file and the statistics that are
//! real. Pure.

use nbench_schema::{Failure, Imported, Metrics, Row, SCHEMA_VERSION, Stage, Status};

use super::bench::{Doc, Times, time_stats};

/// The provider of a tool's rows.
pub fn provider(doc: &Doc) -> String {
    match &doc.version {
        Some(v) if !v.is_empty() => format!("{}@{}", doc.tool, v.trim_start_matches('v')),
        _ => doc.tool.to_string(),
    }
}

/// The rows of `doc`, read from `file`, as run `run_id`.
pub fn rows(doc: &Doc, file: &str, run_id: &str) -> Vec<Row> {
    let at = doc
        .date
        .as_deref()
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_else(chrono::Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let provider = provider(doc);
    let mut seen = std::collections::BTreeSet::new();
    doc.benches
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let stats = time_stats(&b.times);
            let (mut status, mut message) = (b.status.clone(), b.message.clone());
            if status == Status::Ok && stats.is_none() {
                status = Status::Error;
                message = Some(format!("{} gave no time for it", doc.tool));
            }
            let sample = match &b.times {
                Times::Samples { unit, .. } if stats.is_some() => Some(unit.name().to_string()),
                _ => None,
            };
            let (steady_time, measured) = match stats {
                Some((s, m)) => (Some(s), m),
                None => (None, Vec::new()),
            };
            let metrics = (steady_time.is_some() || b.peak_rss.is_some()).then(|| Metrics {
                steady_time,
                peak_rss: b.peak_rss,
                ..Metrics::default()
            });
            let probe = format!("{}.{}", doc.tool, b.group);
            // Two benchmarks with one identity (a command given twice to hyperfine) stay
            // apart: the later ones are numbered.
            let mut backend = b.backend.clone();
            let canon = nbench_schema::params::canonical(&b.params);
            for n in 2.. {
                if seen.insert((probe.clone(), canon.clone(), backend.clone())) {
                    break;
                }
                backend = format!("{} #{n}", b.backend);
            }
            Row {
                schema_version: SCHEMA_VERSION,
                run_id: run_id.to_string(),
                attempt_id: format!("a{i:05}"),
                family: doc.tool.to_string(),
                probe,
                params: b.params.clone(),
                seed: 0,
                backend,
                provider: provider.clone(),
                platform: "cpu".into(),
                failure: (status != Status::Ok).then(|| Failure {
                    stage: Stage::Measure,
                    message: message.unwrap_or_else(|| format!("{} reported {status}", doc.tool)),
                    reason: Some("tool_reported".into()),
                    exit_code: b.exit_code,
                    signal: None,
                    stderr_tail: None,
                    limit_s: None,
                }),
                status,
                problem_digest: None,
                metrics,
                fidelity: None,
                measurement: None,
                device: None,
                host: None,
                worker: None,
                variant: None,
                reference_backend: None,
                profile: None,
                shard: None,
                imported: Some(Imported {
                    tool: doc.tool.to_string(),
                    version: doc.version.clone(),
                    file: file.to_string(),
                    name: b.name.clone(),
                    sample,
                    measured,
                }),
                started_at: at.clone(),
                finished_at: at.clone(),
            }
        })
        .collect()
}
