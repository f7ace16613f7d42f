//! CPU frequency and isolation checks: the cpufreq governor of the CPUs attempts run on, turbo
//! or boost, and whether those CPUs are isolated from the rest of the system (`isolcpus`,
//! `nohz_full`). Reads sysfs and the kernel command line only.

use std::collections::BTreeMap;

use super::{Check, Context, Level, cpulist, parse_cpulist};

const GOVERNOR_WHY: &str = "a governor other than `performance` lowers the clock while a CPU \
    idles and raises it under load, so the first milliseconds of a measurement run slower than \
    the rest and short kernels read slow by a varying amount";

/// The cpufreq governor of every CPU attempts run on.
pub fn governor(ctx: &Context) -> Check {
    let id = "cpu.governor";
    let cpus = ctx.cpus();
    let mut by_gov: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for &c in &cpus {
        if let Some(g) = ctx.root.read(&format!(
            "sys/devices/system/cpu/cpu{c}/cpufreq/scaling_governor"
        )) {
            by_gov.entry(g).or_default().push(c);
        }
    }
    if by_gov.is_empty() {
        return Check::new(
            id,
            Level::Unknown,
            format!(
                "no cpufreq governor under /sys/devices/system/cpu/cpu*/cpufreq for CPUs {} \
                 (a VM, or a kernel without cpufreq: the host or the firmware sets the clock)",
                cpulist(&cpus)
            ),
            GOVERNOR_WHY,
        );
    }
    let found = by_gov
        .iter()
        .map(|(g, cs)| format!("{g} on CPUs {}", cpulist(cs)))
        .collect::<Vec<_>>()
        .join(", ");
    if by_gov.len() == 1 && by_gov.contains_key("performance") {
        return Check::new(id, Level::Ok, found, GOVERNOR_WHY);
    }
    Check::new(id, Level::Warn, found, GOVERNOR_WHY)
        .fix("echo performance | sudo tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor")
}

const BOOST_WHY: &str = "turbo and boost clocks depend on temperature, the power budget and \
    how many cores are busy, so the same kernel runs at different clocks from one attempt to \
    the next; with boost off the clock stays at the base frequency";

/// Turbo (`intel_pstate/no_turbo`) or boost (`cpufreq/boost`).
pub fn boost(ctx: &Context) -> Check {
    let id = "cpu.boost";
    let no_turbo = "sys/devices/system/cpu/intel_pstate/no_turbo";
    let boost = "sys/devices/system/cpu/cpufreq/boost";
    match ctx.root.read(no_turbo).as_deref() {
        Some("1") => {
            return Check::new(
                id,
                Level::Ok,
                "turbo off (intel_pstate no_turbo=1)",
                BOOST_WHY,
            );
        }
        Some("0") => {
            return Check::new(
                id,
                Level::Warn,
                "turbo on (intel_pstate no_turbo=0)",
                BOOST_WHY,
            )
            .fix(format!("echo 1 | sudo tee /{no_turbo}"));
        }
        _ => {}
    }
    match ctx.root.read(boost).as_deref() {
        Some("0") => Check::new(id, Level::Ok, "boost off (cpufreq/boost=0)", BOOST_WHY),
        Some("1") => Check::new(id, Level::Warn, "boost on (cpufreq/boost=1)", BOOST_WHY)
            .fix(format!("echo 0 | sudo tee /{boost}")),
        _ => Check::new(
            id,
            Level::Unknown,
            format!("no boost control exposed (neither /{no_turbo} nor /{boost})"),
            BOOST_WHY,
        ),
    }
}

const ISOLATION_WHY: &str = "on CPUs that are not isolated the kernel runs other tasks, timers \
    and interrupts in the middle of a measurement; `isolcpus=` keeps other tasks off a set of \
    CPUs and `nohz_full=` stops the scheduler tick there (note that the kernel does not \
    balance threads across isolated CPUs: a multi-threaded kernel must pin its threads)";

/// `isolcpus` / `nohz_full`: which CPUs are isolated, and whether the slots' CPUs are among them.
pub fn isolation(ctx: &Context) -> Check {
    let id = "cpu.isolation";
    let cpus = ctx.cpus();
    let read_list = |rel: &str| -> Option<Vec<u32>> { parse_cpulist(&ctx.root.read(rel)?) };
    // Both files exist (and are empty) on a kernel that knows them; `(null)` means unset.
    let isolated_file = ctx.root.path("sys/devices/system/cpu/isolated").exists();
    let isolated = read_list("sys/devices/system/cpu/isolated").unwrap_or_default();
    let nohz = read_list("sys/devices/system/cpu/nohz_full").unwrap_or_default();
    let cmdline = ctx.root.read("proc/cmdline");
    if !isolated_file && cmdline.is_none() {
        return Check::new(
            id,
            Level::Unknown,
            "neither /sys/devices/system/cpu/isolated nor /proc/cmdline is readable",
            ISOLATION_WHY,
        );
    }
    let nohz_text = if nohz.is_empty() {
        "no nohz_full CPUs".to_string()
    } else {
        format!("nohz_full {}", cpulist(&nohz))
    };
    if isolated.is_empty() {
        let found = format!(
            "no CPU is isolated (no isolcpus=), {nohz_text}; attempts run on CPUs {}",
            cpulist(&cpus)
        );
        let check = Check::new(id, Level::Info, found, ISOLATION_WHY);
        // CPU 0 keeps the rest of the system; the others become the benchmark's.
        let bench: Vec<u32> = cpus.iter().copied().filter(|&c| c != 0).collect();
        return if bench.is_empty() {
            check
        } else {
            let l = cpulist(&bench);
            check.fix(format!(
                "sudo sed -i 's/^GRUB_CMDLINE_LINUX=\"/&isolcpus={l} nohz_full={l} /' \
                 /etc/default/grub && sudo update-grub  # then reboot and run nbench under \
                 taskset -c {l}"
            ))
        };
    }
    let inside: Vec<u32> = cpus
        .iter()
        .copied()
        .filter(|c| isolated.contains(c))
        .collect();
    let iso = cpulist(&isolated);
    if inside.len() == cpus.len() {
        let found = format!(
            "attempts run on CPUs {}, all isolated (isolated {iso}, {nohz_text})",
            cpulist(&cpus)
        );
        return Check::new(id, Level::Ok, found, ISOLATION_WHY);
    }
    let found = if inside.is_empty() {
        format!(
            "CPUs {iso} are isolated ({nohz_text}) but attempts would run on CPUs {}, none of them",
            cpulist(&cpus)
        )
    } else {
        format!(
            "attempts would run on CPUs {}, only {} of them isolated (isolated {iso}, {nohz_text})",
            cpulist(&cpus),
            cpulist(&inside)
        )
    };
    Check::new(id, Level::Warn, found, ISOLATION_WHY).fix(format!("taskset -c {iso} nbench run …"))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    const GOV: &str = "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";
    const GOV1: &str = "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor";

    #[test]
    fn governor_performance_everywhere_is_ok() {
        let f = Fixture::new("gov-ok")
            .file(GOV, "performance\n")
            .file(GOV1, "performance\n");
        let c = governor(&f.ctx(vec![vec![0, 1]]));
        assert_eq!(c.status, Level::Ok, "{c:?}");
        assert_eq!(c.found, "performance on CPUs 0-1");
        assert!(c.fix.is_none());
    }

    #[test]
    fn governor_powersave_warns_with_the_fix() {
        let f = Fixture::new("gov-warn")
            .file(GOV, "powersave\n")
            .file(GOV1, "performance\n");
        let c = governor(&f.ctx(vec![vec![0], vec![1]]));
        assert_eq!(c.status, Level::Warn);
        assert_eq!(c.found, "performance on CPUs 1, powersave on CPUs 0");
        assert!(
            c.fix
                .as_deref()
                .is_some_and(|f| f.contains("scaling_governor"))
        );
    }

    #[test]
    fn governor_without_cpufreq_is_unknown() {
        let f = Fixture::new("gov-none");
        let c = governor(&f.ctx(vec![vec![0, 1]]));
        assert_eq!(c.status, Level::Unknown);
        assert!(c.found.contains("CPUs 0-1"), "{}", c.found);
    }

    #[test]
    fn boost_reads_intel_pstate_first_then_cpufreq() {
        let f = Fixture::new("turbo").file("sys/devices/system/cpu/intel_pstate/no_turbo", "0");
        let c = boost(&f.ctx(vec![vec![0]]));
        assert_eq!(
            (c.status, c.found.as_str()),
            (Level::Warn, "turbo on (intel_pstate no_turbo=0)")
        );
        assert_eq!(
            c.fix.as_deref(),
            Some("echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo")
        );
        let f = Fixture::new("boost").file("sys/devices/system/cpu/cpufreq/boost", "0\n");
        assert_eq!(boost(&f.ctx(vec![vec![0]])).status, Level::Ok);
        let f = Fixture::new("boost-none");
        assert_eq!(boost(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }

    #[test]
    fn isolation_warns_when_slots_leave_the_isolated_cpus() {
        let f = Fixture::new("iso")
            .file("sys/devices/system/cpu/isolated", "2-3\n")
            .file("sys/devices/system/cpu/nohz_full", "2-3\n")
            .file("proc/cmdline", "isolcpus=2-3 nohz_full=2-3\n");
        let c = isolation(&f.ctx(vec![vec![0, 1, 2, 3]]));
        assert_eq!(c.status, Level::Warn, "{c:?}");
        assert!(c.found.contains("only 2-3 of them isolated"), "{}", c.found);
        assert_eq!(c.fix.as_deref(), Some("taskset -c 2-3 nbench run …"));
        let c = isolation(&f.ctx(vec![vec![2], vec![3]]));
        assert_eq!(c.status, Level::Ok, "{c:?}");
    }

    #[test]
    fn isolation_none_is_info_and_suggests_the_cpus_but_0() {
        let f = Fixture::new("iso-none")
            .file("sys/devices/system/cpu/isolated", "\n")
            .file("sys/devices/system/cpu/nohz_full", "(null)\n")
            .file("proc/cmdline", "quiet\n");
        let c = isolation(&f.ctx(vec![vec![0, 1, 2, 3]]));
        assert_eq!(c.status, Level::Info);
        assert!(
            c.fix.as_deref().is_some_and(|f| f.contains("isolcpus=1-3")),
            "{c:?}"
        );
        let f = Fixture::new("iso-missing");
        assert_eq!(isolation(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }
}
