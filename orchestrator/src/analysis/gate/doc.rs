//! The comparison document: everything `nbench compare` and `nbench ab` concluded, as plain data.
//! Renderers (terminal, Markdown, JSON, JUnit, GitHub) select and format from it; the JSON
//! format is this structure serialised. Changes are fractions (`0.12` = 12 % slower); `None`
//! where a number could not be computed. Field order is output order; nothing here is computed.

use serde::Serialize;

use super::settings::GateSettings;

/// A whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// What was compared, as the user named it.
    pub baseline: String,
    pub current: String,
    /// The rules the verdicts were reached under.
    pub settings: GateSettings,
    /// The verdict and its counts (`summary` in the JSON format, which predates the name).
    #[serde(rename = "summary")]
    pub tally: Tally,
    /// One per point `(probe, params, backend, provider, platform)`, sorted.
    pub points: Vec<PointResult>,
    /// Keys present on one side only, sorted.
    pub unmatched: Vec<Unmatched>,
}

/// The overall verdict and counts of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// `pass` or `regression`.
    pub verdict: String,
    pub points: usize,
    pub matched_keys: usize,
    pub regressions: usize,
    pub status_regressions: usize,
    pub improvements: usize,
    pub warnings: usize,
    pub inconclusive: usize,
    pub unmatched: usize,
    /// The probability that this comparison reports any false timing regression when nothing
    /// changed: Benjamini–Hochberg at level α controls it at α under the global null.
    pub expected_false_alarm_rate: f64,
    /// Raw samples that entered the timing tests, both sides.
    pub samples: u64,
}

/// What a point's verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A significant slowdown past the threshold, or a status or fidelity regression: fails.
    Regression,
    /// A significant p95 slowdown past the loose threshold with `min` and median within it.
    Warning,
    /// Timing could not be tested (fewer than two seeds measured on both sides).
    Inconclusive,
    /// A significant speed-up past the threshold.
    Improvement,
    Pass,
}

impl Verdict {
    /// The lowercase name used in every output.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Regression => "regression",
            Verdict::Warning => "warning",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Improvement => "improvement",
            Verdict::Pass => "pass",
        }
    }
}

/// Size class of a change in `min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Past the gate threshold but below `minor`.
    Slight,
    Minor,
    Moderate,
    Severe,
}

impl Severity {
    /// The lowercase name used in every output.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Slight => "slight",
            Severity::Minor => "minor",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

/// One point, pooled over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointResult {
    /// `probe[params] backend/provider/platform`: the name every output uses.
    pub name: String,
    pub probe: String,
    pub params: String,
    pub backend: String,
    pub provider: String,
    pub platform: String,
    pub verdict: Verdict,
    pub severity: Option<Severity>,
    /// Why, one short lowercase line each (empty for a plain pass).
    pub reasons: Vec<String>,
    /// The best `min` over the current side's processes against the best over the
    /// baseline's, minus 1 (seeds measured on both sides only).
    pub change_min: Option<f64>,
    /// From the bootstrap: the change of the per-process medians, and its 95 % interval.
    pub change_median: Option<f64>,
    pub change_median_ci: Option<(f64, f64)>,
    /// Geometric mean over seed pairs of the ratio of `p95`, minus 1.
    pub change_p95: Option<f64>,
    /// One-sided bootstrap p-value for "slower", and its Benjamini–Hochberg q-value.
    pub p_slower: Option<f64>,
    pub q_slower: Option<f64>,
    /// The same for "faster".
    pub p_faster: Option<f64>,
    pub q_faster: Option<f64>,
    /// Seed pairs that entered the timing test.
    pub processes: usize,
    pub seeds: Vec<KeyResult>,
}

/// One matched key (one seed of a point): the two rows side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyResult {
    pub seed: u64,
    pub baseline_status: String,
    pub current_status: String,
    pub baseline_fidelity: Option<String>,
    pub current_fidelity: Option<String>,
    pub baseline_min: Option<f64>,
    pub current_min: Option<f64>,
    pub change_min: Option<f64>,
    pub change_p95: Option<f64>,
    /// One-sided Mann–Whitney p-value that this seed's current samples are slower.
    pub p_slower: Option<f64>,
    pub baseline_samples: u64,
    pub current_samples: u64,
    /// `ok` → anything else.
    pub status_regression: bool,
    /// Fidelity `pass` → `fail`.
    pub fidelity_regression: bool,
}

/// A key found on one side only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unmatched {
    /// `baseline` or `current`: where the key was found.
    pub side: String,
    /// `probe[params] seed=N backend/provider/platform`.
    pub key: String,
}
