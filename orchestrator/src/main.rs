fn main() {
    std::process::exit(nbench::cli::main());
}
