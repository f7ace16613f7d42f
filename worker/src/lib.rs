//! The native nbench worker: probes, seeded problem generation, float64 oracles, the fidelity
//! gate and the measurement core, behind the `nbench-worker` binary (docs/architecture.md).
//!
//! This crate owns everything that happens inside one attempt's process: reading the spec,
//! running the stages, and writing the events and the row. It must not schedule, store or
//! judge across attempts — that is the orchestrator's — and it must not change the wire types,
//! which belong to `nbench-schema`.

pub mod alloc;
pub mod attempt;
pub mod cache_dir;
pub mod cli;
pub mod cuda;
pub mod draw;
pub mod features;
pub mod fidelity;
pub mod fn_kernel;
pub mod generate;
pub mod materialize;
pub mod measure;
pub mod npy;
pub mod probe;
pub mod probes;
pub mod procfs;
pub mod protocol;
pub mod registry;
pub mod sdk;
pub mod skeleton;
pub mod stats;
pub mod threads;
pub mod validate;

/// Counts every heap allocation of the process (library, binary and tests alike), so
/// `peak_alloc` covers whatever a kernel allocates.
pub use cli::serve;

#[global_allocator]
static GLOBAL: alloc::CountingAlloc = alloc::CountingAlloc;

#[cfg(test)]
mod attempt_tests;
