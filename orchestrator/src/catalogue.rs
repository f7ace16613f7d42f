//! The probe catalogue, learned by running `<worker> list`: the orchestrator never links probe
//! code. This module owns asking the worker and the lookups the planner and `list` need; it
//! does not filter or plan.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nbench_schema::ProbeInfo;

use crate::error::{Error, Result};

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
        let mut child = Command::new(worker)
            .args(args)
            .arg("list")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::Worker(format!(
                    "cannot run worker {}: {e}; build it with `cargo build --release`",
                    worker.display()
                ))
            })?;
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut so = child.stdout.take();
        let mut se = child.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut e = Vec::new();
            if let Some(s) = se.as_mut() {
                let _ = s.read_to_end(&mut e);
            }
            e
        });
        if let Some(s) = so.as_mut() {
            let _ = s.read_to_end(&mut out);
        }
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break st,
                Ok(None) if start.elapsed() > LIST_TIMEOUT => {
                    let _ = child.kill();
                    return Err(Error::Worker(format!(
                        "worker {} did not answer `list` within {}s",
                        worker.display(),
                        LIST_TIMEOUT.as_secs()
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(Error::Runtime(format!("waiting for worker list: {e}"))),
            }
        };
        if let Ok(e) = reader.join() {
            err = e;
        }
        if !status.success() {
            return Err(Error::Worker(format!(
                "worker {} failed `list` ({status}): {}",
                worker.display(),
                String::from_utf8_lossy(&err).trim()
            )));
        }
        let mut probes: Vec<ProbeInfo> = serde_json::from_slice(&out).map_err(|e| {
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
