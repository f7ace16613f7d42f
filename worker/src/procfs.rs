//! What the worker reads about itself from the kernel: resident-set sizes and address-space
//! size from `/proc/self/status`, the CPU affinity mask, and the CPU model.
//!
//! This module only reads; it never changes affinity or limits, and a missing or unreadable
//! file yields `None` (or an empty list) rather than an error, because these are measurements
//! a row can go without.

use std::fs;

fn status_kib(field: &str) -> Option<u64> {
    let text = fs::read_to_string("/proc/self/status").ok()?;
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        let kib = rest.trim().strip_suffix("kB")?.trim();
        kib.parse::<u64>().ok()
    })
}

/// The current resident set (`VmRSS`), in bytes.
pub fn vm_rss() -> Option<u64> {
    status_kib("VmRSS").map(|k| k * 1024)
}

/// The peak resident set so far (`VmHWM`), in bytes.
pub fn vm_hwm() -> Option<u64> {
    status_kib("VmHWM").map(|k| k * 1024)
}

/// The address-space size (`VmSize`), in bytes.
pub fn vm_size() -> Option<u64> {
    status_kib("VmSize").map(|k| k * 1024)
}

/// The CPUs this process may run on, as the kernel reports them back.
pub fn affinity() -> Vec<u32> {
    // SAFETY: cpu_set_t is plain data for which all-zero is a valid (empty) set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer and size describe `set`, which outlives the call.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return Vec::new();
    }
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE, the capacity of `set`.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .map(|cpu| cpu as u32)
        .collect()
}

/// The CPU model string, or `unknown cpu` when `/proc/cpuinfo` does not name one.
pub fn cpu_model() -> String {
    let text = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    // x86 names the model in `model name`; some ARM kernels only give `Hardware` or `Processor`.
    for key in ["model name", "Hardware", "Processor"] {
        let found = text.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == key && !v.trim().is_empty()).then(|| v.trim().to_string())
        });
        if let Some(model) = found {
            return model;
        }
    }
    "unknown cpu".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_memory_and_affinity() {
        let rss = vm_rss().expect("VmRSS readable on linux");
        let hwm = vm_hwm().expect("VmHWM readable on linux");
        assert!(rss > 0 && hwm >= rss);
        assert!(!affinity().is_empty());
        assert!(!cpu_model().is_empty());
    }
}
