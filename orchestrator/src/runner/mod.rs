//! The runner: turns a plan into rows. The [`dispatcher`] is the one event loop that owns the
//! run's state (pending attempts, the scheduler, the store, progress, the interrupt flag); the
//! [`executor`] runs one worker process and reports what it saw; [`synth`] turns that into the
//! attempt's single row; the unsafe OS calls are in [`crate::sys`], shared with the helper
//! processes. [`session`] is the front door the commands use: one stored run from plan to
//! finalised manifest ([`resume`] completes one). Nothing here renders results.

mod commit;
pub mod dispatcher;
pub mod executor;
#[cfg(test)]
mod fake;
#[cfg(test)]
mod fake_tests;
pub mod resume;
pub mod session;
mod streams;
pub mod synth;
#[cfg(test)]
mod synth_tests;
pub mod timestamp;

use std::path::PathBuf;

use nbench_schema::{Host, MeasurePolicy, Scheduler as Regime};

use crate::config::Deadlines;

/// What every attempt of a run shares.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub run_id: String,
    /// The worker program.
    pub worker: PathBuf,
    pub policy: MeasurePolicy,
    pub deadlines: Deadlines,
    /// Provenance copied into every row.
    pub host: Host,
    /// The scheduler's regime, copied into every row.
    pub regime: Regime,
    /// A/B marker copied into rows.
    pub variant: Option<String>,
    /// Materialised instances shared across providers.
    pub cache_dir: Option<PathBuf>,
    /// How foreign-provider attempts start and where their instances are.
    pub foreign: crate::provider::Foreign,
    /// Which attempts run under `--profile`'s profiler, and how.
    pub profile: crate::profile::Profiling,
    /// `M/N` when the run is one shard of a plan, copied into every row.
    pub shard: Option<String>,
}
