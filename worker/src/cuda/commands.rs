//! The CUDA subcommands of `nbench-worker`: `gpus` (the device list the orchestrator reads,
//! so it never opens a CUDA context itself) and `cuda-check` (compile every kernel program
//! with NVRTC; CI's guard). They own only output and exit codes.

use nbench_schema::exit;

use super::check::check_all;
use super::devices::list;

/// `nbench-worker gpus`: a JSON array of devices on stdout (`[]` without a driver, the reason
/// on stderr as `reason: <stable reason>: <message>`); exit 0 either way, because "no GPU" is
/// an answer, not a failure.
pub fn gpus() -> i32 {
    let devices = match list() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("reason: {}: {e}", e.reason());
            Vec::new()
        }
    };
    crate::cli::print_json(&devices, "the device list")
}

/// `nbench-worker cuda-check`: one line per program and architecture; exit 1 if any failed
/// (or libnvrtc could not be loaded at all).
pub fn cuda_check() -> i32 {
    let mut failed = 0;
    let results = check_all();
    for c in &results {
        match &c.result {
            Ok(bytes) => println!(
                "ok    {:<20} {:<11} {bytes} bytes of {}",
                c.program,
                c.arch,
                if c.arch.starts_with("sm_") {
                    "cubin"
                } else {
                    "ptx"
                }
            ),
            Err(e) => {
                failed += 1;
                println!("FAIL  {:<20} {:<11} {}: {e}", c.program, c.arch, e.reason());
            }
        }
    }
    println!(
        "cuda-check: {} compiled, {failed} failed",
        results.len() - failed
    );
    if failed == 0 { exit::SUCCESS } else { 1 }
}
