//! Exit codes of `nbench` and `nbench-worker`, one documented constant each.
//!
//! These are part of the public interface: CI scripts branch on them. Never renumber one.

/// Success: the command did what was asked and nothing failed.
pub const SUCCESS: i32 = 0;
/// `nbench compare`/`ab`: a regression was found (speed, status or fidelity).
pub const REGRESSION: i32 = 1;
/// Bad input: arguments, configuration, unreadable or too-new files, a missing worker. Nothing
/// was measured, or nothing was changed.
pub const BAD_INPUT: i32 = 2;
/// `nbench run`: the run completed, but at least one attempt failed (crashed, timed out,
/// failed fidelity …). Every row was written. `nbench merge`: the merged run was written, but
/// some attempts of the plan have no final row in any input.
pub const ATTEMPTS_FAILED: i32 = 3;
/// An operational error after start: the store could not be written, a worker could not be
/// spawned at all. Rows written so far are kept.
pub const RUNTIME_ERROR: i32 = 4;
/// Interrupted by Ctrl-C or SIGTERM; rows so far kept, the manifest marked interrupted.
pub const INTERRUPTED: i32 = 130;

/// `nbench-worker`: the spec on stdin could not be read or parsed; no row was written.
pub const WORKER_BAD_SPEC: i32 = 2;
/// `nbench-worker`: stdout could not be written (the runner went away).
pub const WORKER_IO: i32 = 4;
