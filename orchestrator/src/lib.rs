//! nbench: rigorous benchmarks of numerical kernels, one worker process per attempt.
//!
//! The library behind the `nbench` binary. The CLI ([`cli`]) parses and dispatches; the
//! [`planner`] expands filters into attempts; the [`runner`] (a dispatcher owning all state and
//! an executor per worker process) turns each attempt into exactly one row, which the [`store`]
//! appends durably. This crate never links probe code: it learns probes from the worker's
//! catalogue ([`catalogue`]) and speaks to workers only through the protocol in `nbench-schema`.

pub mod analysis;
pub mod attempt;
pub mod catalogue;
pub mod cli;
pub mod closed_pipe;
pub mod commands;
pub mod config;
pub mod duration;
pub mod error;
pub mod gpus;
pub mod helper;
pub mod hostinfo;
pub mod import;
pub mod locate;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod plan_id;
pub mod planner;
pub mod profile;
pub mod progress;
pub mod provider;
pub mod render;
pub mod runner;
pub mod scheduler;
pub mod shard;
pub mod store;
pub mod sys;
pub mod system;
pub mod topology;
pub mod units;
pub mod verdict;
pub mod workers;

pub use error::{Error, Result};
