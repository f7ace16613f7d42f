//! The `nbench-worker` binary: the built-in probes served through the same public entry point a
//! user's own worker uses (`nbench_worker::serve`); all behaviour lives in the library.

fn main() {
    std::process::exit(nbench_worker::serve(nbench_worker::probes::all()))
}
