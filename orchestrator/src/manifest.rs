//! The run manifest: everything about a run that is the same for all its rows — machine, OS,
//! toolchain, worker, configuration, seeds, scheduler regime, allow-listed environment, command
//! line — written once at the start (status `running`) and replaced at the end (`complete` or
//! `interrupted`). It is provenance, not a row: it may gain fields freely.

use nbench_schema::{MeasurePolicy, Scheduler as Regime};
use serde::{Deserialize, Serialize};

use crate::gpus::GpuSet;
use crate::hostinfo::Machine;

/// Reads the manifest at `path`; a file that is not one is bad input naming it.
pub fn read(path: &std::path::Path) -> crate::Result<Manifest> {
    let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text)
        .map_err(|e| crate::Error::bad(format!("{} is not a run manifest: {e}", path.display())))
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub run_id: String,
    /// `running`, `complete`, `interrupted` or `failed`.
    pub status: String,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub nbench_version: String,
    pub command_line: Vec<String>,
    pub machine: Machine,
    pub worker: WorkerFacts,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    pub config_file: Option<String>,
    pub policy: MeasurePolicy,
    pub deadlines_s: Deadlines,
    pub seeds: Vec<u64>,
    pub scheduler: Regime,
    /// The GPU devices scheduled over and how their count was decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<GpuSet>,
    pub planned_attempts: usize,
    pub probes: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Rows written, by status; filled at the end.
    #[serde(default)]
    pub status_counts: Vec<(String, usize)>,
    /// Foreign providers' environments (interpreter, NumPy and its BLAS, torch …); the thread
    /// variables each worker got are the slot's size (see `env` and each row's `measurement`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<crate::provider::facts::ProviderFacts>,
    /// The plan's identity, so `--resume` can prove it re-derived the same plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanRecord>,
    /// Each `nbench run --resume` of this run, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumes: Vec<ResumeRecord>,
    /// The machine checks `nbench run` made before its first attempt (`nbench system`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<crate::system::Check>,
    /// The id of the whole, unsharded plan ([`crate::plan_id`]): equal in every shard of one
    /// plan. Absent in runs from before sharding and in imported runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// Which shard of the plan this run is (`nbench run --shard`); absent when unsharded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRecord>,
    /// What `nbench merge` made this run of; absent in a run that was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeRecord>,
    /// The plan's predicted wall seconds, made before the first attempt (docs/budget.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_s: Option<f64>,
    /// `--budget`: the budget and what was chosen to fit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<crate::analysis::budget::Fit>,
}

/// One shard of a plan: how it was chosen and exactly which attempts it holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShardRecord {
    pub strategy: crate::shard::Strategy,
    /// 0-based.
    pub index: u32,
    pub count: u32,
    /// The batch system `--shard auto` read the index from (`slurm`, `kubernetes`, `gitlab`,
    /// `generic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// The run id whose wall times balanced a slice shard (`--balance-from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_from: Option<String>,
    /// Attempts and points of the whole plan.
    pub plan_attempts: usize,
    pub plan_points: usize,
    /// Points in this shard.
    pub points: usize,
    /// The ids of this shard's attempts, in plan order: what `merge` expects from it and what
    /// `--resume` runs again.
    pub attempts: Vec<String>,
}

impl ShardRecord {
    /// `M/N`, as rows carry it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

/// A merged run's sources (`nbench merge`), sorted by shard index then run id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MergeRecord {
    pub inputs: Vec<MergeInput>,
    /// Attempts of the plan with no final row in any input.
    pub missing_attempts: usize,
    /// Shard indices no input was (only when the inputs are shards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<u32>,
    /// Attempts with a final row in more than one input, of which one was kept.
    pub duplicates: usize,
}

/// One input of a merge: a shard run and the host that measured it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MergeInput {
    pub run_id: String,
    /// `M/N`, absent for an unsharded input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub hostname: String,
    pub cpu_model: String,
    pub status: String,
    /// Rows of this input the merged run kept.
    pub rows_kept: usize,
}

/// What identifies a plan: its attempts' keys (id, probe, params, seed, backend, provider,
/// platform, in plan order) hashed, and the worker binary's bytes hashed (FNV-1a 64, hex).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanRecord {
    pub attempts: usize,
    pub keys_hash: String,
    pub worker_hash: String,
}

/// One resume: when, how many attempts it had to complete, and how it ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResumeRecord {
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub command_line: Vec<String>,
    /// Attempts without a final row when the resume started.
    pub pending_attempts: usize,
    /// `running`, `complete`, `interrupted` or `failed`.
    pub status: String,
}

/// The worker program used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerFacts {
    pub path: String,
    /// `<name> <version>` from its hello, once one attempt has said it.
    pub version: Option<String>,
    pub build_profile: Option<String>,
}

/// Stage deadlines after the multiplier, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deadlines {
    pub setup: f64,
    pub fidelity: f64,
    pub warmup: f64,
    pub measure: f64,
    pub multiplier: f64,
}

impl From<&crate::config::Deadlines> for Deadlines {
    fn from(d: &crate::config::Deadlines) -> Self {
        Deadlines {
            setup: d.setup.as_secs_f64(),
            fidelity: d.fidelity.as_secs_f64(),
            warmup: d.warmup.as_secs_f64(),
            measure: d.measure.as_secs_f64(),
            multiplier: d.multiplier,
        }
    }
}
