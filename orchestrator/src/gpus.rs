//! How many GPU devices a run schedules over, and what they are. `--gpus N` is taken as
//! given; otherwise, when `cuda` is among the platforms, the worker's `gpus` subcommand is run
//! as a short-lived helper process, so the orchestrator itself never loads CUDA or opens a
//! context (a context would hold device memory for the whole run and skew every attempt's
//! peak). `--simulate-gpus N` (hidden, for tests) makes N devices that exist only as locks.
//!
//! This module only decides the device set; locking them is the scheduler's.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::helper;

/// The helper must answer within this; a hung driver must not hang the run.
const HELPER_DEADLINE: Duration = Duration::from_secs(30);

/// One device as `nbench-worker gpus` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuDevice {
    pub index: u32,
    pub name: String,
    #[serde(default)]
    pub memory_bytes: u64,
    #[serde(default)]
    pub driver: String,
    #[serde(default)]
    pub compute_capability: String,
    #[serde(default)]
    pub sm_clock_mhz: Option<u32>,
    #[serde(default)]
    pub mem_clock_mhz: Option<u32>,
}

/// The run's device set, recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuSet {
    /// `flag` (--gpus), `probed` (the helper), `simulated` (--simulate-gpus) or `none`
    /// (no cuda platform requested, nothing probed).
    pub source: String,
    pub count: u32,
    /// Devices the helper listed (empty unless probed).
    pub devices: Vec<GpuDevice>,
    /// Why the helper found none, in its words (e.g. `cuda_driver_missing: …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Decides the device set from the flags, probing through `worker` only when needed.
pub fn resolve(
    worker: &Path,
    gpus: Option<u32>,
    simulate: Option<u32>,
    platforms: &[String],
) -> GpuSet {
    let set = |source: &str, count| GpuSet {
        source: source.into(),
        count,
        devices: Vec::new(),
        note: None,
    };
    if let Some(n) = simulate {
        return set("simulated", n);
    }
    if let Some(n) = gpus {
        return set("flag", n);
    }
    if !platforms.iter().any(|p| p == "cuda") {
        return set("none", 0);
    }
    match probe(worker) {
        Ok((devices, note)) => GpuSet {
            source: "probed".into(),
            count: devices.len() as u32,
            devices,
            note,
        },
        // A failed probe means no schedulable device: cuda attempts then end as env_failed
        // rows naming this note, and the CPU work still runs.
        Err(note) => GpuSet {
            note: Some(note),
            ..set("probed", 0)
        },
    }
}

/// Runs `worker gpus`; returns the devices and the reason line it gave on stderr, if any.
pub fn probe(worker: &Path) -> Result<(Vec<GpuDevice>, Option<String>), String> {
    let mut cmd = Command::new(worker);
    cmd.arg("gpus");
    let done = helper::run(cmd, None, HELPER_DEADLINE, "a json list of devices")
        .map_err(|e| e.to_string())?;
    let status = done.status;
    let out = String::from_utf8_lossy(&done.stdout).into_owned();
    let err = String::from_utf8_lossy(&done.stderr).into_owned();
    let note = err
        .lines()
        .find_map(|l| l.strip_prefix("reason: "))
        .map(str::to_string);
    if !status.success() {
        return Err(format!(
            "`{} gpus` failed ({status}): {}",
            worker.display(),
            err.trim()
        ));
    }
    let devices: Vec<GpuDevice> = serde_json::from_str(out.trim()).map_err(|e| {
        format!(
            "`{} gpus` printed no device list ({e}); is the worker older than this nbench?",
            worker.display()
        )
    })?;
    Ok((devices, note))
}
