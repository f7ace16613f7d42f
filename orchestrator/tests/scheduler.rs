//! Property tests of the pure scheduler over random plans: random core groups, device counts,
//! platform mixes and release orders, driven the way the dispatcher drives it (pick until
//! nothing fits, then release one held permit). Invariants (docs/scheduling.md): never two held permits
//! on one device, concurrent CPU permits never share a core, pick takes the first pending
//! attempt whose class has a free permit, every runnable attempt eventually runs, and resources
//! never sit idle while an attempt that fits them waits.

use std::collections::BTreeSet;

use nbench::scheduler::{Permit, Scheduler};
use proptest::prelude::*;

/// Disjoint core groups: `sizes[i]` consecutive CPU numbers each.
fn groups(sizes: &[u32]) -> Vec<Vec<u32>> {
    let mut next = 0;
    sizes
        .iter()
        .map(|&s| {
            let g: Vec<u32> = (next..next + s).collect();
            next += s;
            g
        })
        .collect()
}

fn check_held(held: &[Permit], n_groups: usize, n_gpus: u32) {
    let mut devices = BTreeSet::new();
    let mut slots = BTreeSet::new();
    let mut cores = BTreeSet::new();
    for p in held {
        match p.gpu {
            Some(g) => {
                assert_eq!(p.platform, "cuda");
                assert!(g < n_gpus, "device {g} of {n_gpus}");
                assert_eq!(p.slot, g, "a GPU permit's slot is its device");
                assert!(devices.insert(g), "two attempts hold device {g}");
            }
            None => {
                assert_eq!(p.platform, "cpu");
                assert!((p.slot as usize) < n_groups);
                assert!(
                    slots.insert(p.slot),
                    "two attempts hold core group {}",
                    p.slot
                );
                for c in &p.cpus {
                    assert!(cores.insert(*c), "core {c} held by two CPU attempts");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_plans_keep_every_invariant(
        sizes in prop::collection::vec(1u32..4, 0..5),
        n_gpus in 0u32..4,
        plan in prop::collection::vec(prop::bool::ANY, 0..40),
        release_picks in prop::collection::vec(any::<prop::sample::Index>(), 0..200),
    ) {
        let gs = groups(&sizes);
        let mut sched = Scheduler::new(gs.clone(), n_gpus, 0.0);
        let regime = sched.regime();
        prop_assert_eq!(regime.cpu_slots as usize, gs.len());
        prop_assert_eq!(regime.n_gpus, n_gpus);
        prop_assert_eq!(&regime.core_groups, &gs);

        let platform = |gpu: bool| if gpu { "cuda" } else { "cpu" };
        // What the dispatcher does first: attempts no resource can ever serve leave the queue.
        let mut pending: Vec<&str> = plan
            .iter()
            .map(|&g| platform(g))
            .filter(|p| sched.can_ever_run(p))
            .collect();
        let runnable = pending.len();
        let mut held: Vec<Permit> = Vec::new();
        let mut started = 0;
        let mut releases = release_picks.iter().cycle();
        while !pending.is_empty() || !held.is_empty() {
            while let Some((i, p)) = sched.pick(pending.iter().copied()) {
                // Plan order: nothing before `i` could have run on a free resource.
                prop_assert_eq!(pending[i], p.platform.as_str());
                for earlier in &pending[..i] {
                    prop_assert_ne!(*earlier, p.platform.as_str(), "pick skipped an earlier attempt of a free class");
                }
                pending.remove(i);
                held.push(p);
                started += 1;
                check_held(&held, gs.len(), n_gpus);
                prop_assert_eq!(sched.held(), held.len());
            }
            // Work-conserving: a waiting attempt means its class is fully held.
            for p in &pending {
                let busy = held.iter().filter(|h| h.platform == *p).count();
                let cap = if *p == "cuda" { n_gpus as usize } else { gs.len() };
                prop_assert_eq!(busy, cap, "a {} attempt waits beside a free resource", p);
            }
            if held.is_empty() {
                break;
            }
            let k = match releases.next() {
                Some(ix) => ix.index(held.len()),
                None => 0,
            };
            let p = held.swap_remove(k);
            sched.release(&p);
            prop_assert_eq!(sched.held(), held.len());
        }
        prop_assert!(pending.is_empty(), "runnable attempts never started: {:?}", pending);
        prop_assert_eq!(started, runnable);
        prop_assert_eq!(sched.held(), 0);
    }

    #[test]
    fn gpu_permits_pin_no_cpu_slot_and_cpu_permits_are_whole_groups(
        sizes in prop::collection::vec(1u32..4, 1..5),
        n_gpus in 1u32..4,
    ) {
        let gs = groups(&sizes);
        let mut sched = Scheduler::new(gs.clone(), n_gpus, 0.0);
        let all: Vec<u32> = gs.iter().flatten().copied().collect();
        for g in &gs {
            let p = sched.acquire("cpu").expect("a free group");
            prop_assert_eq!(&p.cpus, g);
        }
        prop_assert!(sched.acquire("cpu").is_none());
        for g in 0..n_gpus {
            let p = sched.acquire("cuda").expect("a free device");
            prop_assert_eq!(p.gpu, Some(g));
            prop_assert_eq!(&p.cpus, &all);
        }
        prop_assert!(sched.acquire("cuda").is_none());
        prop_assert!(sched.acquire("tpu").is_none());
        prop_assert!(!sched.can_ever_run("tpu"));
    }
}

#[test]
fn an_empty_device_set_names_the_helpers_reason() {
    let bare = Scheduler::new(groups(&[1]), 0, 0.0);
    assert_eq!(bare.unavailable("cuda").0, "no_cuda_device");
    let s = Scheduler::new(groups(&[1]), 0, 0.0)
        .with_gpu_note(Some("cuda_driver_missing: libcuda.so.1 not found".into()));
    let (reason, message) = s.unavailable("cuda");
    assert_eq!(reason, "cuda_driver_missing");
    assert!(message.contains("libcuda.so.1 not found"), "{message}");
    // A note that is not `token: text` keeps the bare reason but still explains.
    let s = Scheduler::new(groups(&[1]), 0, 0.0)
        .with_gpu_note(Some("`worker gpus` did not answer within 10 s".into()));
    let (reason, message) = s.unavailable("cuda");
    assert_eq!(reason, "no_cuda_device");
    assert!(message.contains("did not answer"), "{message}");
    // The note is about GPUs only.
    assert_eq!(s.unavailable("cpu").0, "no_cpu_device");
}
