//! The `nbench-worker` binary: all behaviour lives in the library (`nbench_worker::cli`).

fn main() {
    std::process::exit(nbench_worker::cli::main())
}
