//! The `nbench-worker` command line: run one spec from stdin, `list`, `gpus`, `cuda-check`,
//! `cuda-libs`, or `--version`.
//!
//! This module owns argument dispatch and exit codes; it reads stdin once and leaves stdout to
//! the [`Emitter`] (and `list`). It must not contain attempt logic.

use std::io::Write;

use nbench_schema::exit;

use crate::attempt;
use crate::protocol::{Emitter, read_spec};
use crate::registry::Registry;

const USAGE: &str =
    "usage: nbench-worker            read one spec (JSON line) on stdin, write events on stdout
       nbench-worker list       print the probe catalogue as a JSON array
       nbench-worker gpus       print the CUDA devices as a JSON array ([] without a driver)
       nbench-worker cuda-check compile every CUDA kernel with NVRTC (no GPU needed)
       nbench-worker cuda-libs  which libcuda, libnvrtc, libcublas load here, from where
       nbench-worker materialize [CACHE_DIR]
                                read a point (JSON line) on stdin, write its inputs and
                                oracle as .npy under CACHE_DIR/<digest>/, print {digest, dir}
       nbench-worker --version  print the version";

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => run_spec(),
        ["list"] => list(),
        ["gpus"] => crate::cuda::commands::gpus(),
        ["cuda-check"] => crate::cuda::commands::cuda_check(),
        ["cuda-libs"] => crate::cuda::libs::main(),
        ["materialize"] => crate::materialize::main(None),
        ["materialize", cache] => crate::materialize::main(Some(cache)),
        ["--version"] => {
            println!("nbench-worker {}", env!("CARGO_PKG_VERSION"));
            exit::SUCCESS
        }
        _ => {
            eprintln!("nbench-worker: unexpected arguments {args:?}\n{USAGE}");
            exit::BAD_INPUT
        }
    }
}

fn list() -> i32 {
    print_json(&Registry::builtin().catalogue(), "the catalogue")
}

/// Writes `value` as one JSON line on stdout; `what` names it in the error.
pub(crate) fn print_json<T: serde::Serialize>(value: &T, what: &str) -> i32 {
    let written = serde_json::to_string(value)
        .map_err(std::io::Error::other)
        .and_then(|text| {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{text}")?;
            out.flush()
        });
    match written {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            eprintln!("nbench-worker: could not write {what} to stdout: {e}");
            exit::WORKER_IO
        }
    }
}

fn run_spec() -> i32 {
    let mut emitter = Emitter::stdout();
    emitter.hello();
    let spec = match read_spec(std::io::stdin().lock()) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("nbench-worker: {e}");
            return exit::WORKER_BAD_SPEC;
        }
    };
    attempt::run(&spec, &Registry::builtin(), &mut emitter);
    match emitter.error() {
        None => exit::SUCCESS,
        Some(e) => {
            eprintln!("nbench-worker: could not write events to stdout: {e}");
            exit::WORKER_IO
        }
    }
}
