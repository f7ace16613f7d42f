//! The worker protocol: the [`Spec`] a worker reads and the [`Event`]s it writes.
//!
//! The runner writes one spec as a single JSON line to the worker's stdin and closes it. The
//! worker writes to stdout, one JSON object per line and nothing else: first [`Event::Hello`],
//! then an [`Event::Stage`] as it enters each stage, and finally one [`Event::Row`]. Diagnostics
//! go to stderr. This module owns those shapes; it does not spawn, time or judge anything.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::params::Params;
use crate::row::Row;
use crate::status::Stage;

/// The protocol version this crate speaks. A runner refuses a `hello` with another version.
pub const PROTOCOL_VERSION: u32 = 1;

/// One attempt, as handed to a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Spec {
    /// The protocol the runner speaks ([`PROTOCOL_VERSION`]).
    pub protocol: u32,
    /// Copied into the row.
    pub run_id: String,
    /// Copied into the row.
    pub attempt_id: String,
    /// Probe name, `family.name`.
    pub probe: String,
    /// The point.
    pub params: Params,
    /// Instance seed.
    pub seed: u64,
    /// Backend to run.
    pub backend: String,
    /// Provider (the native worker accepts `native`).
    pub provider: String,
    /// Platform (`cpu` or `cuda`).
    pub platform: String,
    /// How to measure.
    pub policy: MeasurePolicy,
    /// Copied into the row for A/B runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Directory of materialised instances (`.npy`) shared between providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<String>,
    /// The platforms the attempt's provider runs on, from the orchestrator's provider table:
    /// a foreign worker refuses (as `skipped`) a platform not listed. Absent for the native
    /// worker, whose backends declare their own platforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_platforms: Option<Vec<String>>,
}

/// The measurement policy: warm-up, calibration and stopping rule (docs/architecture.md, "Measurement").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurePolicy {
    /// Warm-up budget, in seconds: the most warm-up may take (it always makes one call).
    pub warmup_s: f64,
    /// Steady-state rule of the warm-up: once blocks of calls reach `sample_target_s`, warm-up
    /// ends at the first block (after at least three) that is not faster than the best block
    /// before it by more than this fraction, so a kernel stops warming up once it stops getting
    /// faster. `0` turns the rule off (warm-up runs the whole budget); absent in specs from
    /// before the rule, which therefore mean `0`.
    #[serde(default)]
    pub warmup_steady_tol: f64,
    /// Calibration target for one sample, in seconds: far above the timer's resolution.
    pub sample_target_s: f64,
    /// Minimum samples.
    pub min_samples: u64,
    /// Maximum samples.
    pub max_samples: u64,
    /// Stop once the ~95 % CI of the median is narrower than this fraction of it.
    pub target_rel_ci: f64,
    /// Stop sampling after this many seconds regardless.
    pub time_cap_s: f64,
    /// `hot` or `rotate`.
    pub cache: String,
    /// Keep the raw samples in the row (needed by `compare`'s significance test).
    pub keep_samples: bool,
}

impl Default for MeasurePolicy {
    fn default() -> Self {
        MeasurePolicy {
            warmup_s: 0.2,
            warmup_steady_tol: 0.01,
            sample_target_s: 0.002,
            min_samples: 15,
            max_samples: 2000,
            target_rel_ci: 0.02,
            time_cap_s: 0.3,
            cache: "hot".to_string(),
            keep_samples: true,
        }
    }
}

/// The first event: who the worker is and which protocol it speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Hello {
    /// The protocol the worker speaks.
    pub protocol: u32,
    /// Worker program name (`nbench-worker`, `nbench-worker-py`, …).
    pub worker: String,
    /// Worker version.
    pub version: String,
    /// Build profile of the worker (`release`, `debug`, or `interpreted`).
    pub build_profile: String,
}

/// One line of worker stdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Sent first, once.
    Hello(Hello),
    /// Sent on entering a stage; the runner's deadline for that stage starts now.
    Stage {
        /// The stage entered.
        stage: Stage,
    },
    /// Sent last, once: the attempt's row (without the runner-owned fields).
    Row {
        /// The row.
        row: Box<Row>,
    },
}
