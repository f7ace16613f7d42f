//! The counting global allocator behind `peak_alloc`.
//!
//! This module owns the live and peak heap counters and the one way to read them
//! ([`measure_peak_memory`]). It forwards every request to the system allocator unchanged and
//! must never allocate itself, fail differently from `System`, or print.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

/// `System` plus two counters: bytes live now and the most live since the last reset.
pub struct CountingAlloc;

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    LIVE.fetch_sub(bytes as u64, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments and only adds
// bookkeeping on atomics, so `System`'s guarantees carry over unchanged.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Forwarding keeps the system's in-place growth (mremap); the default would copy.
        // SAFETY: forwarded contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

/// Bytes of heap live right now, process-wide.
pub fn live_bytes() -> u64 {
    LIVE.load(Ordering::Relaxed)
}

/// Runs `f` and returns its result with the peak live heap during `f` minus the heap live
/// before it. Other threads allocating meanwhile are counted too: the worker runs one attempt.
pub fn measure_peak_memory<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let r = f();
    let peak = PEAK.load(Ordering::Relaxed);
    (r, peak.saturating_sub(before))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_of_a_ten_mib_vec_is_ten_mib() {
        const TEN_MIB: usize = 10 << 20;
        let (len, peak) = measure_peak_memory(|| {
            let v = std::hint::black_box(vec![1u8; TEN_MIB]);
            v.len()
        });
        assert_eq!(len, TEN_MIB);
        // Other test threads may allocate concurrently; allow a little slack above.
        assert!(peak >= TEN_MIB as u64, "peak {peak}");
        assert!(peak < TEN_MIB as u64 + (1 << 20), "peak {peak}");
    }
}
