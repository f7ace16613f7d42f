//! Provenance of a row that nbench did not measure itself: another benchmark tool's result,
//! read by `nbench import`. Such a row has no digest, no fidelity, no measurement protocol and
//! no worker; this block says where its numbers came from and which of them the tool actually
//! gave, so no reader mistakes a stand-in for a measurement.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where an imported row came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Imported {
    /// The tool that measured: `hyperfine`, `google-benchmark`, `criterion`, `pytest-benchmark`.
    pub tool: String,
    /// The tool's version, when its output says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The file (or Criterion directory) read, as it was named to nbench.
    pub file: String,
    /// The benchmark's own name in that file, verbatim.
    pub name: String,
    /// What one entry of `metrics.steady_time.samples` is: `process` (one whole run of a
    /// process, as hyperfine times a command) or `batch` (one timed batch of calls inside the
    /// tool's single process). Absent when the tool gave summary statistics only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    /// The fields of `metrics.steady_time` that the tool gave or that were computed from its
    /// samples (`min`, `median`, `mean`, `std`, `mad`, `p25`, `p75`, `p95`, `p99`, `max`, `n`).
    /// Every other field of it holds a stand-in (the nearest given statistic, documented in
    /// `docs/import.md`) that no statistic may use.
    pub measured: Vec<String>,
}

impl Imported {
    /// Whether the tool gave the `steady_time` field `name` (or its samples did).
    pub fn measured(&self, name: &str) -> bool {
        self.measured.iter().any(|m| m == name)
    }
}
