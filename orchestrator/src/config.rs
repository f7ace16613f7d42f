//! `nbench.toml`: defaults for the measurement policy, stage deadlines and the run, below the
//! command-line flags. This module owns the file format and the merge order (built-in defaults,
//! then the file, then flags); it must not start anything.
//!
//! ```toml
//! [measure]
//! warmup_s = 0.2          # warm-up budget per attempt (the most it may take)
//! warmup_steady_tol = 0.01 # end warm-up once calls stop getting faster by more than 1 %; 0: off
//! sample_target_s = 0.002 # calibrate iterations so one sample lasts this long
//! min_samples = 15
//! max_samples = 2000
//! target_rel_ci = 0.02    # stop when the 95 % CI of the median is within ±1 %
//! time_cap_s = 0.3
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
    pub measure: PolicyOverrides,
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

/// The measurement policy as a user overrides it: `[measure]` of `nbench.toml` and the policy
/// flags of `run` and `ab` are this one struct (file keys are the field names, flags the
/// `--long` names), every field optional. Written once: [`resolve_policy`] lays the file's and
/// then the flags' values over [`MeasurePolicy::default`].
#[derive(Debug, Default, Clone, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverrides {
    /// Warm-up budget per attempt, seconds.
    #[arg(long = "warmup", value_name = "S", allow_negative_numbers = true)]
    pub warmup_s: Option<f64>,
    /// End warm-up once blocks of calls stop getting faster by more than this fraction (0: run
    /// the whole warm-up budget).
    #[arg(long = "warmup-tol", value_name = "X", allow_negative_numbers = true)]
    pub warmup_steady_tol: Option<f64>,
    /// Calibration target for one sample, seconds.
    #[arg(
        long = "sample-target",
        value_name = "S",
        allow_negative_numbers = true
    )]
    pub sample_target_s: Option<f64>,
    /// Minimum samples per attempt.
    #[arg(long, value_name = "N")]
    pub min_samples: Option<u64>,
    /// Maximum samples per attempt.
    #[arg(long, value_name = "N")]
    pub max_samples: Option<u64>,
    /// Target relative width of the median's 95 % CI.
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub target_rel_ci: Option<f64>,
    /// Sampling time cap per attempt, seconds.
    #[arg(long = "time-cap", value_name = "S", allow_negative_numbers = true)]
    pub time_cap_s: Option<f64>,
    /// Input cache policy: hot or rotate.
    #[arg(long, value_name = "POLICY")]
    pub cache: Option<String>,
    /// Raw samples in rows (the file's key; `run --no-samples` and `ab` set it).
    #[arg(skip)]
    pub keep_samples: Option<bool>,
}

impl PolicyOverrides {
    /// Overwrites the fields of `policy` that this layer sets.
    fn lay_over(&self, p: &mut MeasurePolicy) {
        if let Some(v) = self.warmup_s {
            p.warmup_s = v;
        }
        if let Some(v) = self.warmup_steady_tol {
            p.warmup_steady_tol = v;
        }
        if let Some(v) = self.sample_target_s {
            p.sample_target_s = v;
        }
        if let Some(v) = self.min_samples {
            p.min_samples = v;
        }
        if let Some(v) = self.max_samples {
            p.max_samples = v;
        }
        if let Some(v) = self.target_rel_ci {
            p.target_rel_ci = v;
        }
        if let Some(v) = self.time_cap_s {
            p.time_cap_s = v;
        }
        if let Some(v) = &self.cache {
            p.cache = v.clone();
        }
        if let Some(v) = self.keep_samples {
            p.keep_samples = v;
        }
    }
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

/// The longest any one stage may be given, in seconds (one week).
pub const MAX_DEADLINE_S: f64 = 604_800.0;
/// How long a worker may take to exit after its row, before the multiplier.
const EXIT_S: f64 = 5.0;
/// The longest `--gpu-settle`, in seconds (one hour).
pub const MAX_GPU_SETTLE_S: f64 = 3600.0;

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
    /// Built-in defaults (docs/architecture.md, "The runner") under the file's values and `multiplier`; every
    /// resulting deadline must lie in (0, [`MAX_DEADLINE_S`]] seconds, so no later addition to
    /// a clock can overflow.
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
                    "{name} must be a positive number of seconds, got {s}"
                )));
            }
            let total = s * m;
            match Duration::try_from_secs_f64(total) {
                Ok(d) if total <= MAX_DEADLINE_S && !d.is_zero() => Ok(d),
                _ => Err(Error::bad(format!(
                    "{name} ({s}s) times the timeout multiplier ({m}) is {total}s; \
                     each stage deadline must be within (0, {MAX_DEADLINE_S}] seconds (one week)"
                ))),
            }
        };
        Ok(Deadlines {
            setup: secs("timeouts.setup_s", file.setup_s, 30.0)?,
            fidelity: secs("timeouts.fidelity_s", file.fidelity_s, 30.0)?,
            warmup: secs("timeouts.warmup_s", file.warmup_s, 15.0)?,
            measure: secs("timeouts.measure_s", file.measure_s, 15.0)?,
            exit: secs("the exit deadline", None, EXIT_S)?,
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

/// Defaults, then the file, then flags; checked for sense.
pub fn resolve_policy(file: &PolicyOverrides, flags: &PolicyOverrides) -> Result<MeasurePolicy> {
    let mut p = MeasurePolicy::default();
    file.lay_over(&mut p);
    flags.lay_over(&mut p);
    let nonneg = |name: &str, v: f64| -> Result<()> {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(Error::bad(format!(
                "measure.{name} (--{}) must be a non-negative number, got {v}",
                name.trim_end_matches("_s").replace('_', "-")
            )))
        }
    };
    nonneg("warmup_s", p.warmup_s)?;
    if !(p.warmup_steady_tol.is_finite() && (0.0..1.0).contains(&p.warmup_steady_tol)) {
        return Err(Error::bad(format!(
            "measure.warmup_steady_tol (--warmup-tol) must be a fraction in [0, 1), got {}",
            p.warmup_steady_tol
        )));
    }
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
        let file = PolicyOverrides {
            warmup_s: Some(1.0),
            min_samples: Some(20),
            ..Default::default()
        };
        let flags = PolicyOverrides {
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
