//! The `nbench` binary: a few lines that hand the process to [`nbench::cli::main`], which owns
//! parsing, dispatch and exit codes.

fn main() {
    std::process::exit(nbench::cli::main());
}
