//! CPU topology: which CPUs the orchestrator may use (its own affinity mask) and how they group
//! into physical cores, so `--cpu-slots N` can hand each slot whole cores rather than SMT
//! siblings. This module reads the OS; it does not schedule.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

/// The CPUs this process may run on, ascending.
pub fn usable_cpus() -> Vec<u32> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it for our own pid.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return (0..std::thread::available_parallelism().map_or(1, |n| n.get() as u32))
                .collect();
        }
        (0..libc::CPU_SETSIZE as u32)
            .filter(|&c| libc::CPU_ISSET(c as usize, &set))
            .collect()
    }
}

/// The physical core a CPU belongs to, `(package, core_id)`, from the sysfs under `root` (`/`,
/// or a fake tree in tests); `None` when sysfs does not say.
pub fn core_key_under(root: &Path, cpu: u32) -> Option<(i64, i64)> {
    let read = |f: &str| -> Option<i64> {
        std::fs::read_to_string(root.join(format!("sys/devices/system/cpu/cpu{cpu}/topology/{f}")))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    Some((read("physical_package_id")?, read("core_id")?))
}

/// Groups `cpus` by physical core, cores ordered by their lowest CPU.
pub fn physical_cores(cpus: &[u32]) -> Vec<Vec<u32>> {
    physical_cores_under(Path::new("/"), cpus)
}

/// [`physical_cores`] from the sysfs under `root`.
pub fn physical_cores_under(root: &Path, cpus: &[u32]) -> Vec<Vec<u32>> {
    let mut by_core: BTreeMap<(i64, i64), Vec<u32>> = BTreeMap::new();
    for &c in cpus {
        let key = core_key_under(root, c).unwrap_or((-1, c as i64));
        by_core.entry(key).or_default().push(c);
    }
    let mut cores: Vec<Vec<u32>> = by_core.into_values().collect();
    cores.sort_by_key(|c| c[0]);
    cores
}

/// Splits the usable CPUs into `n` disjoint groups: whole physical cores when there are at
/// least `n` of them, single CPUs otherwise. Groups differ in size by at most one core.
pub fn partition(cores: &[Vec<u32>], n: u32) -> Result<Vec<Vec<u32>>> {
    let n_cpus: usize = cores.iter().map(Vec::len).sum();
    if n == 0 {
        return Err(Error::bad("--cpu-slots must be at least 1"));
    }
    let n = n as usize;
    if n > n_cpus {
        let all: Vec<String> = cores.iter().flatten().map(u32::to_string).collect();
        return Err(Error::bad(format!(
            "--cpu-slots {n} exceeds the {n_cpus} usable CPUs (CPUs {}); use at most {n_cpus}",
            all.join(",")
        )));
    }
    let units: Vec<Vec<u32>> = if n <= cores.len() {
        cores.to_vec()
    } else {
        cores.iter().flatten().map(|&c| vec![c]).collect()
    };
    let base = units.len() / n;
    let extra = units.len() % n;
    let mut groups = Vec::with_capacity(n);
    let mut it = units.into_iter();
    for g in 0..n {
        let take = base + usize::from(g < extra);
        let mut group: Vec<u32> = it.by_ref().take(take).flatten().collect();
        group.sort_unstable();
        groups.push(group);
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smt(n_cores: u32) -> Vec<Vec<u32>> {
        (0..n_cores).map(|c| vec![c, c + n_cores]).collect()
    }

    #[test]
    fn whole_cores_when_possible() {
        let g = partition(&smt(4), 2).unwrap();
        assert_eq!(g, vec![vec![0, 1, 4, 5], vec![2, 3, 6, 7]]);
    }

    #[test]
    fn splits_siblings_only_when_needed() {
        let g = partition(&smt(2), 4).unwrap();
        assert_eq!(g, vec![vec![0], vec![2], vec![1], vec![3]]);
    }

    #[test]
    fn too_many_slots_names_the_count() {
        let err = partition(&[vec![0], vec![1]], 3).unwrap_err().to_string();
        assert!(err.contains("2 usable CPUs"), "{err}");
    }

    #[test]
    fn uneven_split_differs_by_one() {
        let cores: Vec<Vec<u32>> = (0..5).map(|c| vec![c]).collect();
        let g = partition(&cores, 2).unwrap();
        assert_eq!(g, vec![vec![0, 1, 2], vec![3, 4]]);
    }
}
