//! `nbench.toml`: defaults for the measurement policy, stage deadlines and the run, below the
//! command-line flags. This module owns the file format and the merge order (built-in defaults,
//! then the file, then flags); it must not start anything.
//!
//! ```toml
//! [measure]
//! warmup_s = 0.2          # warm-up budget per attempt
//! sample_target_s = 0.002 # calibrate iterations so one sample lasts this long
//! min_samples = 15
//! max_samples = 2000
//! target_rel_ci = 0.01    # stop when the 95 % CI of the median is within ±0.5 %
//! time_cap_s = 2.0
//! cache = "hot"           # or "rotate"
//! keep_samples = true     # raw samples in rows, for `compare`
//!
//! [timeouts]              # per-stage deadlines, seconds
//! setup_s = 30
//! fidelity_s = 30
//! warmup_s = 15
//! measure_s = 15
//! multiplier = 1.0        # scales all of them (--timeout-multiplier)
//!
//! [run]
//! store = "results/store"
//! cpu_slots = 1
//! workers = ["builtin", ["python3", "-m", "nbench_py", "serve", "mybench"]]
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use nbench_schema::{MeasurePolicy, Stage};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The file as written; every field optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `[measure]`.
    #[serde(default)]
    pub measure: MeasureFile,
    /// `[timeouts]`.
    #[serde(default)]
    pub timeouts: TimeoutsFile,
    /// `[run]`.
    #[serde(default)]
    pub run: RunFile,
    /// `[gate]`: thresholds of `compare` and `ab` (see `analysis::gate::settings`).
    #[serde(default)]
    pub gate: crate::analysis::gate::GateFile,
}

/// `[measure]` of `nbench.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureFile {
    pub warmup_s: Option<f64>,
    pub sample_target_s: Option<f64>,
    pub min_samples: Option<u64>,
    pub max_samples: Option<u64>,
    pub target_rel_ci: Option<f64>,
    pub time_cap_s: Option<f64>,
    pub cache: Option<String>,
    pub keep_samples: Option<bool>,
}

/// `[timeouts]` of `nbench.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsFile {
    pub setup_s: Option<f64>,
    pub fidelity_s: Option<f64>,
    pub warmup_s: Option<f64>,
    pub measure_s: Option<f64>,
    pub multiplier: Option<f64>,
}

/// `[run]` of `nbench.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub store: Option<PathBuf>,
    pub cpu_slots: Option<u32>,
    /// The run's workers, each a path or a command line as an array (`crate::workers`).
    #[serde(default)]
    pub workers: Vec<crate::workers::WorkerEntry>,
}

impl FileConfig {
    /// Loads `explicit` if given (it must exist), else `./nbench.toml` if present, else defaults.
    pub fn load(explicit: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>)> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = PathBuf::from("nbench.toml");
                if !p.exists() {
                    return Ok((FileConfig::default(), None));
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let cfg: FileConfig = toml::from_str(&text).map_err(|e| {
            Error::bad(format!(
                "invalid config {}: {}",
                path.display(),
                e.to_string().trim().replace('\n', " ")
            ))
        })?;
        Ok((cfg, Some(path)))
    }
}

/// Per-stage deadlines after the multiplier.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadlines {
    pub setup: Duration,
    pub fidelity: Duration,
    pub warmup: Duration,
    pub measure: Duration,
    /// How long a worker may take to exit after sending its row.
    pub exit: Duration,
    /// The multiplier applied, recorded in the manifest.
    pub multiplier: f64,
}

impl Deadlines {
    /// Built-in defaults (DESIGN §3.5) under the file's values and `multiplier`.
    pub fn resolve(file: &TimeoutsFile, multiplier_flag: Option<f64>) -> Result<Deadlines> {
        let m = multiplier_flag.or(file.multiplier).unwrap_or(1.0);
        if !(m.is_finite() && m > 0.0) {
            return Err(Error::bad(format!(
                "timeout multiplier must be a positive number, got {m}"
            )));
        }
        let secs = |name: &str, v: Option<f64>, default: f64| -> Result<Duration> {
            let s = v.unwrap_or(default);
            if !(s.is_finite() && s > 0.0) {
                return Err(Error::bad(format!(
                    "timeouts.{name} must be a positive number of seconds, got {s}"
                )));
            }
            Ok(Duration::from_secs_f64(s * m))
        };
        Ok(Deadlines {
            setup: secs("setup_s", file.setup_s, 30.0)?,
            fidelity: secs("fidelity_s", file.fidelity_s, 30.0)?,
            warmup: secs("warmup_s", file.warmup_s, 15.0)?,
            measure: secs("measure_s", file.measure_s, 15.0)?,
            exit: Duration::from_secs_f64(5.0 * m),
            multiplier: m,
        })
    }

    /// The deadline of a stage; stages the runner owns (handshake) share setup's.
    pub fn for_stage(&self, stage: &Stage) -> Duration {
        match stage {
            Stage::Fidelity => self.fidelity,
            Stage::Warmup => self.warmup,
            Stage::Measure => self.measure,
            Stage::Exit => self.exit,
            _ => self.setup,
        }
    }
}

/// Flag overrides of the measurement policy (each `None` when not given).
#[derive(Debug, Default, Clone)]
pub struct PolicyFlags {
    pub warmup_s: Option<f64>,
    pub sample_target_s: Option<f64>,
    pub min_samples: Option<u64>,
    pub max_samples: Option<u64>,
    pub target_rel_ci: Option<f64>,
    pub time_cap_s: Option<f64>,
    pub cache: Option<String>,
    pub keep_samples: Option<bool>,
}

/// Defaults, then the file, then flags; checked for sense.
pub fn resolve_policy(file: &MeasureFile, flags: &PolicyFlags) -> Result<MeasurePolicy> {
    let d = MeasurePolicy::default();
    let p = MeasurePolicy {
        warmup_s: flags.warmup_s.or(file.warmup_s).unwrap_or(d.warmup_s),
        sample_target_s: flags
            .sample_target_s
            .or(file.sample_target_s)
            .unwrap_or(d.sample_target_s),
        min_samples: flags
            .min_samples
            .or(file.min_samples)
            .unwrap_or(d.min_samples),
        max_samples: flags
            .max_samples
            .or(file.max_samples)
            .unwrap_or(d.max_samples),
        target_rel_ci: flags
            .target_rel_ci
            .or(file.target_rel_ci)
            .unwrap_or(d.target_rel_ci),
        time_cap_s: flags.time_cap_s.or(file.time_cap_s).unwrap_or(d.time_cap_s),
        cache: flags
            .cache
            .clone()
            .or_else(|| file.cache.clone())
            .unwrap_or(d.cache),
        keep_samples: flags
            .keep_samples
            .or(file.keep_samples)
            .unwrap_or(d.keep_samples),
    };
    let nonneg = |name: &str, v: f64| -> Result<()> {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(Error::bad(format!(
                "measure.{name} must be a non-negative number, got {v}"
            )))
        }
    };
    nonneg("warmup_s", p.warmup_s)?;
    nonneg("sample_target_s", p.sample_target_s)?;
    nonneg("target_rel_ci", p.target_rel_ci)?;
    nonneg("time_cap_s", p.time_cap_s)?;
    if p.min_samples == 0 || p.max_samples < p.min_samples {
        return Err(Error::bad(format!(
            "measure.min_samples must be at least 1 and at most max_samples ({}), got {}",
            p.max_samples, p.min_samples
        )));
    }
    if !matches!(p.cache.as_str(), "hot" | "rotate") {
        return Err(Error::bad(format!(
            "unknown cache policy `{}`; valid: hot, rotate",
            p.cache
        )));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let err = toml::from_str::<FileConfig>("[measure]\nwarmup = 1\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("warmup"), "{msg}");
        assert!(msg.contains("warmup_s"), "{msg}");
    }

    #[test]
    fn flags_override_file_override_defaults() {
        let file = MeasureFile {
            warmup_s: Some(1.0),
            min_samples: Some(20),
            ..Default::default()
        };
        let flags = PolicyFlags {
            warmup_s: Some(0.5),
            ..Default::default()
        };
        let p = resolve_policy(&file, &flags).unwrap();
        assert_eq!(p.warmup_s, 0.5);
        assert_eq!(p.min_samples, 20);
        assert_eq!(p.time_cap_s, MeasurePolicy::default().time_cap_s);
    }

    #[test]
    fn multiplier_scales_every_stage() {
        let d = Deadlines::resolve(&TimeoutsFile::default(), Some(0.1)).unwrap();
        assert_eq!(d.setup, Duration::from_secs(3));
        assert_eq!(d.measure, Duration::from_millis(1500));
        assert!(Deadlines::resolve(&TimeoutsFile::default(), Some(-1.0)).is_err());
    }
}
