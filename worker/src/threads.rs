//! How many threads a kernel may use, and telling faer so.
//!
//! This module owns the rule "the affinity mask's size, unless `RAYON_NUM_THREADS` says
//! otherwise" (the runner sets both to the core group's size). It never changes affinity.

/// Threads for this attempt: `RAYON_NUM_THREADS` when it is a positive integer, else the
/// number of CPUs in the affinity mask (at least 1).
pub fn decide(affinity_cpus: usize) -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(affinity_cpus)
        .max(1)
}

/// Sets faer's global parallelism: sequential for one thread, so a one-core attempt never
/// pays for the thread pool.
pub fn configure_faer(threads: usize) {
    let par = if threads <= 1 {
        faer::Par::Seq
    } else {
        faer::Par::rayon(threads)
    };
    faer::set_global_parallelism(par);
}
