//! `nbench report`: the Markdown report of a [`Summary`] and the manifests of its runs, from the
//! built-in `report.md.j2`. Deterministic: everything comes sorted from the summary and no
//! wall-clock time (not even the runs' start times) is printed, so the same rows give the same
//! bytes. Provenance is selected from the manifests, never computed.

use serde::Serialize;
use serde_json::Value as Json;

use crate::analysis::summary::{Protocol, Summary};
use crate::units;

use super::Exporter;
use super::markdown::{self, families};

/// What a report is rendered from.
pub struct ReportDoc<'a> {
    pub summary: &'a Summary,
    /// Run manifests as written (see [`crate::manifest::Manifest`]).
    pub manifests: &'a [Json],
}

/// The Markdown report.
pub struct Report;

#[derive(Serialize)]
struct MachineView {
    run_id: String,
    status: String,
    hostname: String,
    cpu: String,
    os: String,
    kernel: String,
    governor: String,
    memory: String,
    rustc: String,
    worker: String,
    command: String,
    /// The machine checks `nbench run` recorded (`manifest.system`); empty for older runs.
    checks: Vec<CheckView>,
}

#[derive(Serialize)]
struct CheckView {
    id: String,
    status: String,
    found: String,
    fix: String,
}

#[derive(Serialize)]
struct ProtocolView {
    timer: String,
    cache: String,
    warmup: String,
    sample_target: String,
    samples: String,
    target_rel_ci: String,
    time_cap: String,
    threads: u32,
    rows: usize,
}

impl Exporter<ReportDoc<'_>> for Report {
    fn write(&self, doc: &ReportDoc<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let s = doc.summary;
            let sources: Vec<_> = s
                .sources
                .iter()
                .map(|src| {
                    let git = match (&src.git_commit, src.git_dirty) {
                        (Some(c), Some(true)) => format!("{} (dirty)", short(c)),
                        (Some(c), _) => short(c).to_string(),
                        (None, _) => "-".into(),
                    };
                    minijinja::context! { src => src, git => git }
                })
                .collect();
            markdown::render(
                "report.md.j2",
                minijinja::context! {
                    sources => sources,
                    machines => doc.manifests.iter().map(machine).collect::<Vec<_>>(),
                    protocols => s.protocols.iter().map(protocol).collect::<Vec<_>>(),
                    status_counts => s.status_counts,
                    rows => s.rows,
                    reference_rule => s.reference_rule,
                    families => families(s),
                    failures => s.failures,
                    skipped => s.skipped,
                },
            )
        };
        w.write_all(text.as_bytes())
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn machine(m: &Json) -> MachineView {
    let text = |ptr: &str| match m.pointer(ptr) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => "-".into(),
        Some(other) => other.to_string(),
    };
    let memory = m
        .pointer("/machine/mem_total_bytes")
        .and_then(Json::as_f64)
        .map_or("-".into(), units::bytes);
    let command = m
        .get("command_line")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "-".into());
    let checks = m
        .get("system")
        .and_then(Json::as_array)
        .map(|checks| {
            checks
                .iter()
                .map(|c| {
                    let field = |k: &str| c.get(k).and_then(Json::as_str).unwrap_or("").to_string();
                    CheckView {
                        id: field("id"),
                        status: field("status"),
                        found: field("found"),
                        fix: field("fix"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    MachineView {
        checks,
        run_id: text("/run_id"),
        status: text("/status"),
        hostname: text("/machine/hostname"),
        cpu: format!(
            "{} ({} logical CPUs, {})",
            text("/machine/cpu_model"),
            text("/machine/logical_cpus"),
            text("/machine/arch")
        ),
        os: text("/machine/os"),
        kernel: text("/machine/kernel"),
        governor: text("/machine/governor"),
        memory,
        rustc: text("/machine/rustc"),
        worker: format!(
            "{} ({})",
            text("/worker/version"),
            text("/worker/build_profile")
        ),
        command,
    }
}

fn protocol(p: &Protocol) -> ProtocolView {
    ProtocolView {
        timer: p.timer.clone(),
        cache: p.cache.clone(),
        warmup: match p.warmup_steady_tol {
            Some(tol) => format!(
                "until steady ({} %), ≤ {}",
                tol * 100.0,
                units::seconds(p.warmup_s)
            ),
            None => units::seconds(p.warmup_s),
        },
        sample_target: units::seconds(p.sample_target_s),
        samples: format!("{}–{}", p.min_samples, p.max_samples),
        target_rel_ci: format!("{}", p.target_rel_ci),
        time_cap: units::seconds(p.time_cap_s),
        threads: p.threads,
        rows: p.rows,
    }
}
