//! The end-to-end tests, one test binary: each module drives the real `nbench` and
//! `nbench-worker` binaries through the builder in the package's library (`nbench_tests`).
//! One binary links once and lets the runner schedule every test together; a module per
//! subject keeps each file small. Golden rows live under `tests/fixtures`.

mod ab;
mod bad_input;
mod budget;
mod ci_recipe;
mod compare;
mod compare_outputs;
mod compat;
mod cross_host;
mod dashboard;
mod fault_matrix;
mod faults;
mod frictions;
mod gpu_check;
mod hostile_output;
mod hygiene;
mod import;
mod interrupt;
mod lifecycle;
mod lock;
mod pipeline;
mod profile;
mod protocol;
mod providers;
mod report;
mod reportfix;
mod resume;
mod run;
mod scale_out;
mod scheduling;
mod sdk;
mod secrets;
mod shard;
mod shell;
mod slurm;
mod store_read;
mod store_write;
mod system;
mod torch;
