//! The SMT check: whether the CPU slots attempts run in share physical cores. Two slots whose
//! CPUs are hyperthread siblings run two attempts on one core at once; one slot holding two
//! siblings gives a multi-threaded kernel two threads per core. Slots are the scheduler's core
//! groups (`crate::topology::partition`); cores come from sysfs under the check's root.

use std::collections::BTreeMap;

use super::{Check, Context, Level, cpulist};
use crate::topology::core_key_under;

const WHY: &str = "hyperthread siblings share one core's execution units and caches: two \
    attempts on siblings slow each other down, and a slot's N threads on siblings are not N \
    cores' worth of compute";

const FIX: &str = "echo off | sudo tee /sys/devices/system/cpu/smt/control";

/// Whether any slot shares a core with another slot, or holds two siblings itself.
pub fn siblings(ctx: &Context) -> Check {
    let id = "cpu.smt";
    let active = match ctx
        .root
        .read("sys/devices/system/cpu/smt/active")
        .as_deref()
    {
        Some("1") => "SMT active",
        Some("0") => "SMT inactive",
        _ => "SMT state not exposed",
    };
    // core → the (slot, cpu) pairs on it
    let mut cores: BTreeMap<(i64, i64), Vec<(usize, u32)>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for (slot, group) in ctx.groups.iter().enumerate() {
        for &cpu in group {
            match core_key_under(&ctx.root.path(""), cpu) {
                Some(k) => cores.entry(k).or_default().push((slot, cpu)),
                None => unknown.push(cpu),
            }
        }
    }
    if !unknown.is_empty() {
        return Check::new(
            id,
            Level::Unknown,
            format!(
                "{active}; no core topology under /sys/devices/system/cpu/cpu*/topology for CPUs {}",
                cpulist(&unknown)
            ),
            WHY,
        );
    }
    let mut across = Vec::new();
    let mut within = Vec::new();
    for pairs in cores.values().filter(|p| p.len() > 1) {
        let cpus: Vec<u32> = pairs.iter().map(|&(_, c)| c).collect();
        let slots: Vec<usize> = {
            let mut s: Vec<usize> = pairs.iter().map(|&(s, _)| s).collect();
            s.dedup();
            s
        };
        let text = cpus
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("+");
        if slots.len() > 1 {
            let names: Vec<String> = pairs
                .iter()
                .map(|(s, c)| format!("{c} (slot {s})"))
                .collect();
            across.push(names.join(" and "));
        } else {
            within.push(format!("{text} in slot {}", slots[0]));
        }
    }
    let n = ctx.groups.len();
    let slots = format!("{n} slot{}", if n == 1 { "" } else { "s" });
    if across.is_empty() && within.is_empty() {
        return Check::new(
            id,
            Level::Ok,
            format!("{active}; no two CPUs of the {slots} share a core"),
            WHY,
        );
    }
    let mut parts = Vec::new();
    if !across.is_empty() {
        parts.push(format!(
            "siblings in different slots: {}",
            across.join(", ")
        ));
    }
    if !within.is_empty() {
        parts.push(format!("siblings within one slot: {}", within.join(", ")));
    }
    Check::new(
        id,
        Level::Warn,
        format!("{active}; {slots}; {}", parts.join("; ")),
        WHY,
    )
    .fix(FIX)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;
    use crate::topology::partition;

    /// Four CPUs on two cores: 0+2 and 1+3 are siblings (the usual Linux numbering).
    fn smt_fixture(name: &str) -> Fixture {
        let mut f = Fixture::new(name).file("sys/devices/system/cpu/smt/active", "1\n");
        for cpu in 0..4 {
            let t = format!("sys/devices/system/cpu/cpu{cpu}/topology");
            f = f
                .file(&format!("{t}/physical_package_id"), "0\n")
                .file(&format!("{t}/core_id"), &format!("{}\n", cpu % 2));
        }
        f
    }

    #[test]
    fn one_slot_holding_siblings_warns() {
        let f = smt_fixture("smt-one");
        let c = siblings(&f.ctx(vec![vec![0, 1, 2, 3]]));
        assert_eq!(c.status, Level::Warn, "{c:?}");
        assert_eq!(
            c.found,
            "SMT active; 1 slot; siblings within one slot: 0+2 in slot 0, 1+3 in slot 0"
        );
        assert_eq!(c.fix.as_deref(), Some(FIX));
    }

    #[test]
    fn slots_split_across_siblings_warn() {
        let f = smt_fixture("smt-across");
        // More slots than cores: the partition has to split siblings.
        let cores = vec![vec![0, 2], vec![1, 3]];
        let groups = partition(&cores, 4).expect("partition");
        let c = siblings(&f.ctx(groups));
        assert_eq!(c.status, Level::Warn);
        assert!(
            c.found
                .contains("siblings in different slots: 0 (slot 0) and 2 (slot 1)"),
            "{}",
            c.found
        );
    }

    #[test]
    fn whole_core_slots_on_one_thread_each_are_ok() {
        let f = smt_fixture("smt-ok");
        let c = siblings(&f.ctx(vec![vec![0], vec![1]]));
        assert_eq!(c.status, Level::Ok, "{c:?}");
        assert_eq!(
            c.found,
            "SMT active; no two CPUs of the 2 slots share a core"
        );
    }

    #[test]
    fn missing_topology_is_unknown() {
        let f = Fixture::new("smt-none");
        let c = siblings(&f.ctx(vec![vec![0, 1]]));
        assert_eq!(c.status, Level::Unknown);
        assert!(c.found.contains("CPUs 0-1"), "{}", c.found);
    }
}
