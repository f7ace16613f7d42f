//! The per-point summary behind `nbench summary`, `report` and `plot`: rows grouped by probe,
//! point and lane (backend, provider, platform, and host when rows come from several machines),
//! with seed-pooled time statistics ([`pool`]), peak memory, a fidelity mark, status counts and
//! the ratio against the point's reference backend ([`ratio`]). This is the only place these
//! numbers are computed; the document is written as `summary.json` and renderers only select
//! and format it. It must not read files or print.

mod build;
pub mod pool;
pub mod ratio;

use std::collections::BTreeMap;

use nbench_schema::Params;
use serde::{Deserialize, Serialize};

pub use build::summarize;

/// File name of the derived summary written beside a run's rows.
pub const SUMMARY_FILE: &str = "summary.json";

/// Version of the `summary.json` layout (derived, not frozen like rows, but versioned so a
/// reader can tell).
pub const SUMMARY_VERSION: u32 = 1;

/// Backends tried in order when no `--reference` is given: the names probes give their plain
/// implementation. Failing these, a backend whose name starts with one (`naive-dense`), then
/// the alphabetically first backend of the point.
pub const DEFAULT_REFERENCES: [&str; 2] = ["scalar", "naive"];

/// Choices that change the summary.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The reference backend for every point (`--reference`); `None` uses
    /// [`DEFAULT_REFERENCES`].
    pub reference: Option<String>,
}

/// The whole summary of a set of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub summary_version: u32,
    /// How the reference backend was chosen, in words.
    pub reference_rule: String,
    /// True when the rows come from more than one host: lanes then carry the host.
    pub multi_host: bool,
    /// Rows summarised.
    pub rows: usize,
    /// Rows by status over everything.
    pub status_counts: BTreeMap<String, usize>,
    /// The runs and machines the rows came from, sorted by run id then host.
    pub sources: Vec<Source>,
    /// The distinct measurement protocols the rows were taken with.
    pub protocols: Vec<Protocol>,
    /// Families, sorted by name.
    pub families: Vec<String>,
    /// Probes, sorted by family then name.
    pub probes: Vec<ProbeSummary>,
    /// Every row that did not end `ok` or `skipped`, sorted by probe, point, lane, seed.
    pub failures: Vec<FailureEntry>,
    /// Attempts skipped on purpose (the backend cannot run here), one entry per probe, point,
    /// lane and reason, with the number of seeds.
    pub skipped: Vec<SkipEntry>,
}

/// Seeds of one lane at one point skipped for one reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkipEntry {
    pub family: String,
    pub probe: String,
    /// The point's parameters (sorts numbers by value).
    pub params: Params,
    pub point: String,
    pub lane: String,
    pub message: String,
    pub seeds: usize,
}

/// One run on one host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Source {
    pub run_id: String,
    pub hostname: String,
    pub cpu_model: String,
    pub nbench_version: String,
    pub build_profile: String,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    pub rows: usize,
}

/// A measurement protocol, as the rows recorded it.
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Protocol {
    pub timer: String,
    pub cache: String,
    pub warmup_s: f64,
    /// The steady-state warm-up tolerance; `None` for rows from before the rule (and for a
    /// tolerance of 0, the rule off: both warmed up for the whole budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_steady_tol: Option<f64>,
    pub sample_target_s: f64,
    pub min_samples: u64,
    pub max_samples: u64,
    pub target_rel_ci: f64,
    pub time_cap_s: f64,
    pub threads: u32,
    pub rows: usize,
}

/// One probe: its lanes (the columns) and its points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSummary {
    pub probe: String,
    pub family: String,
    /// Lane labels in display order (reference backends first, then by name).
    pub lanes: Vec<String>,
    /// Points sorted by parameters (numbers by value).
    pub points: Vec<Point>,
}

/// One point of a probe and every lane measured at it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub params: Params,
    /// `size=1000,dtype=f64` style label of the whole point.
    pub label: String,
    /// The `size` axis as a number, when the point has one (the x of time-vs-size plots).
    pub size: Option<f64>,
    /// The point's other axes (`dtype=f64`), empty when size is the only one: points sharing it
    /// form one series in a plot.
    pub series: String,
    /// The reference backend chosen for this point, when one is present.
    pub reference: Option<String>,
    /// One cell per lane present at this point, in the probe's lane order.
    pub cells: Vec<Cell>,
}

/// Outcome of the fidelity comparisons of a cell's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FidelityMark {
    /// Every compared row passed.
    Pass,
    /// At least one row failed.
    Fail,
    /// None failed, at least one could not be decided.
    Inconclusive,
    /// No row was compared.
    None,
}

/// One lane at one point: its rows pooled over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub lane: String,
    pub backend: String,
    pub provider: String,
    pub platform: String,
    /// Set when the summary is multi-host.
    pub host: Option<String>,
    pub variant: Option<String>,
    /// Rows in the cell (normally one per seed).
    pub rows: usize,
    pub status_counts: BTreeMap<String, usize>,
    pub fidelity: FidelityMark,
    /// The largest `rel_to_tol` over the cell's compared rows.
    pub worst_rel_to_tol: Option<f64>,
    /// Steady time pooled over the seeds that were measured.
    pub time: Option<pool::PooledTime>,
    /// Largest peak RSS over the cell's rows, bytes.
    pub peak_rss: Option<u64>,
    /// Largest peak heap allocation of one call, bytes.
    pub peak_alloc: Option<u64>,
    /// Largest peak device memory, bytes.
    pub peak_device_mem: Option<u64>,
    /// `min / reference min`: below 1 is faster than the reference. `None` when refused.
    pub ratio: Option<f64>,
    /// `log2(ratio)`, for colour scales centred on "as fast as the reference".
    pub log2_ratio: Option<f64>,
    /// Why there is no ratio, or `reference` for the reference cell itself.
    pub ratio_note: Option<String>,
}

/// A row that did not end `ok`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FailureEntry {
    pub family: String,
    pub probe: String,
    /// The point's parameters (sorts numbers by value).
    pub params: Params,
    pub point: String,
    pub lane: String,
    pub seed: u64,
    pub status: String,
    pub stage: Option<String>,
    pub message: Option<String>,
    pub reason: Option<String>,
    pub run_id: String,
    pub attempt_id: String,
}
