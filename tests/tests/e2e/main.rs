//! The end-to-end tests, one test binary: each module drives the real `nbench` and
//! `nbench-worker` binaries through the builder in the package's library (`nbench_tests`).
//! One binary links once and lets the runner schedule every test together; a module per
//! subject keeps each file small. Golden rows live under `tests/fixtures`.

mod ab;
mod bad_input;
mod compare;
mod compare_outputs;
mod compat;
mod dashboard;
mod faults;
mod interrupt;
mod pipeline;
mod protocol;
mod providers;
mod report;
mod reportfix;
mod run;
mod scheduling;
mod sdk;
mod torch;
