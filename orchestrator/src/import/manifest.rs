//! The manifest of an imported run: what was read (each file, its format, tool and version,
//! how many benchmarks) and what the tool said about its machine, in the fields the report
//! reads from a run's manifest (`machine.hostname`, `machine.cpu_model`, `worker.version`).
//! Everything nbench did not observe is absent rather than guessed.

use serde::Serialize;

use super::Doc;
use super::rows::provider;

/// `manifest.json` of a run made by `nbench import`.
#[derive(Debug, Clone, Serialize)]
pub struct ImportManifest {
    pub run_id: String,
    /// Always `complete`: an import is written whole or not at all.
    pub status: String,
    /// Always `import`: these rows were not measured by nbench.
    pub kind: String,
    pub started_at: String,
    pub finished_at: String,
    pub nbench_version: String,
    pub command_line: Vec<String>,
    pub machine: Machine,
    pub worker: Worker,
    /// Each file read, in the order given.
    pub imported: Vec<Source>,
    /// Rows written, by status.
    pub status_counts: Vec<(String, usize)>,
}

/// What the tools said about the machine; absent when they did not say.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Machine {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
}

/// The measuring tools, where a native run names its worker.
#[derive(Debug, Clone, Serialize)]
pub struct Worker {
    /// The tools, comma-separated.
    pub path: String,
    /// `tool version` for each tool, comma-separated (`unknown` where the output has none).
    pub version: String,
}

/// One file read.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// As named on the command line.
    pub file: String,
    /// Its absolute path when it could be resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absolute: Option<String>,
    pub tool: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The provider its rows carry.
    pub provider: String,
    pub benchmarks: usize,
    /// When the tool says it ran (or the file's modification time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

impl Source {
    /// The record of `doc`, read from `file`.
    pub fn of(doc: &Doc, file: &std::path::Path) -> Source {
        Source {
            file: file.display().to_string(),
            absolute: std::fs::canonicalize(file)
                .ok()
                .map(|p| p.display().to_string()),
            tool: doc.tool.to_string(),
            version: doc.version.clone(),
            provider: provider(doc),
            benchmarks: doc.benches.len(),
            date: doc.date.clone(),
        }
    }
}

/// The machine as the first tool that names it says.
pub fn machine(docs: &[Doc]) -> Machine {
    Machine {
        hostname: docs.iter().find_map(|d| d.hostname.clone()),
        cpu_model: docs.iter().find_map(|d| d.cpu.clone()),
    }
}

/// The worker block for `docs`.
pub fn worker(docs: &[Doc]) -> Worker {
    let mut tools: Vec<&str> = docs.iter().map(|d| d.tool).collect();
    tools.dedup();
    let mut versions: Vec<String> = docs
        .iter()
        .map(|d| format!("{} {}", d.tool, d.version.as_deref().unwrap_or("unknown")))
        .collect();
    versions.dedup();
    Worker {
        path: tools.join(", "),
        version: versions.join(", "),
    }
}
