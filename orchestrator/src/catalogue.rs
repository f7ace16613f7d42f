//! The probe catalogue, learned by running `<worker> list`: the orchestrator never links probe
//! code. This module owns asking the worker and the lookups the planner and `list` need; it
//! does not filter or plan.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use nbench_schema::ProbeInfo;

use crate::error::{Error, Result};
use crate::helper::{self, HelperError};

/// How long `list` may take before the worker is declared broken.
const LIST_TIMEOUT: Duration = Duration::from_secs(30);

/// All probes a worker offers, hidden ones included, sorted by name.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub probes: Vec<ProbeInfo>,
}

impl Catalogue {
    /// Runs `worker list` and parses its JSON.
    pub fn from_worker(worker: &Path) -> Result<Catalogue> {
        Self::from_argv(worker, &[])
    }

    /// Runs `worker ARGS… list` (a worker given as a command line) and parses its JSON.
    pub fn from_argv(worker: &Path, args: &[String]) -> Result<Catalogue> {
        let mut cmd = Command::new(worker);
        cmd.args(args).arg("list");
        let out = helper::run(cmd, None, LIST_TIMEOUT, "the probe catalogue as json").map_err(
            |e| match e {
                HelperError::Spawn { .. } => Error::Worker(format!(
                    "{e}; build the worker with `cargo build --release`"
                )),
                HelperError::Interrupted { .. } => Error::Interrupted,
                other => Error::Worker(other.to_string()),
            },
        )?;
        if !out.status.success() {
            return Err(Error::Worker(format!(
                "worker {} failed `list` ({}): {}",
                worker.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let mut probes: Vec<ProbeInfo> = serde_json::from_slice(&out.stdout).map_err(|e| {
            Error::Worker(format!(
                "worker {} printed an unreadable catalogue: {e}",
                worker.display()
            ))
        })?;
        probes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Catalogue { probes })
    }

    /// Every family, sorted, hidden ones included.
    pub fn families(&self) -> Vec<String> {
        let mut f: Vec<String> = self.probes.iter().map(|p| p.family.clone()).collect();
        f.sort();
        f.dedup();
        f
    }

    /// The probe called `name`.
    pub fn probe(&self, name: &str) -> Option<&ProbeInfo> {
        self.probes.iter().find(|p| p.name == name)
    }
}
