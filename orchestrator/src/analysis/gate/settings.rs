//! The gate's thresholds: built-in defaults, then `[gate]` of `nbench.toml`, then flags. This
//! module owns the names, defaults and sanity checks of the gate's settings; it computes
//! nothing.
//!
//! ```toml
//! [gate]
//! threshold = 0.05      # a regression needs min and median to slow by more than this (tight)
//! p95_threshold = 0.20  # p95 slower by more than this warns (loose)
//! alpha = 0.01          # Benjamini–Hochberg false-discovery level over a comparison's points
//! minor = 0.10          # severity classes of the change in min
//! moderate = 0.20
//! severe = 0.50
//! resamples = 2000      # bootstrap replicates per point
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `[gate]` of `nbench.toml`; every field optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateFile {
    pub threshold: Option<f64>,
    pub p95_threshold: Option<f64>,
    pub alpha: Option<f64>,
    pub minor: Option<f64>,
    pub moderate: Option<f64>,
    pub severe: Option<f64>,
    pub resamples: Option<usize>,
}

/// The resolved settings, recorded in every comparison so a verdict carries its rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateSettings {
    /// Fractional slowdown of `min` and of the median (pooled over seeds) a regression must
    /// exceed.
    pub threshold: f64,
    /// Fractional slowdown of `p95` that raises a tail warning.
    pub p95_threshold: f64,
    /// False-discovery level of the Benjamini–Hochberg step-up across points.
    pub alpha: f64,
    /// Lower bounds of the severity classes (fractions).
    pub minor: f64,
    pub moderate: f64,
    pub severe: f64,
    /// Bootstrap replicates per point.
    pub resamples: usize,
    /// Seed of the bootstrap's generator (mixed with each point's key).
    pub rng_seed: u64,
    /// Keys whose two sides were measured on different hosts are compared rather than refused
    /// (`--allow-cross-host`); recorded only when set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_cross_host: bool,
}

impl Default for GateSettings {
    fn default() -> GateSettings {
        GateSettings {
            // 5 %, not the 10 % floor of `minor`: a +10 % slowdown must be caught almost always,
            // which a cut at 10 % would do only half the time.
            threshold: 0.05,
            p95_threshold: 0.20,
            alpha: 0.01,
            minor: 0.10,
            moderate: 0.20,
            severe: 0.50,
            resamples: 2000,
            rng_seed: 0x6e62_656e_6368,
            allow_cross_host: false,
        }
    }
}

impl GateSettings {
    /// Defaults, overridden by the file, overridden by `flags` (a `GateFile` built from flags).
    pub fn resolve(file: &GateFile, flags: &GateFile) -> Result<GateSettings> {
        let d = GateSettings::default();
        let pick = |f: Option<f64>, c: Option<f64>, d: f64| f.or(c).unwrap_or(d);
        let s = GateSettings {
            threshold: pick(flags.threshold, file.threshold, d.threshold),
            p95_threshold: pick(flags.p95_threshold, file.p95_threshold, d.p95_threshold),
            alpha: pick(flags.alpha, file.alpha, d.alpha),
            minor: pick(flags.minor, file.minor, d.minor),
            moderate: pick(flags.moderate, file.moderate, d.moderate),
            severe: pick(flags.severe, file.severe, d.severe),
            resamples: flags.resamples.or(file.resamples).unwrap_or(d.resamples),
            rng_seed: d.rng_seed,
            allow_cross_host: false,
        };
        for (name, v) in [
            ("threshold", s.threshold),
            ("p95_threshold", s.p95_threshold),
            ("minor", s.minor),
            ("moderate", s.moderate),
            ("severe", s.severe),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::bad(format!(
                    "gate.{name} must be a non-negative fraction (0.05 = 5 %), got {v}"
                )));
            }
        }
        if !(s.alpha > 0.0 && s.alpha < 1.0) {
            return Err(Error::bad(format!(
                "gate.alpha must be between 0 and 1 (exclusive), got {}",
                s.alpha
            )));
        }
        if !(s.minor <= s.moderate && s.moderate <= s.severe) {
            return Err(Error::bad(format!(
                "gate severity bounds must satisfy minor ≤ moderate ≤ severe, got {} / {} / {}",
                s.minor, s.moderate, s.severe
            )));
        }
        if s.resamples < 100 {
            return Err(Error::bad(format!(
                "gate.resamples must be at least 100, got {}",
                s.resamples
            )));
        }
        Ok(s)
    }
}
