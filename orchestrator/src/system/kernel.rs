//! Kernel settings that move timings or decide what a profiler may do: address-space layout
//! randomisation and `perf_event_paranoid` (with whether a hardware PMU is exposed at all).
//! Reads `/proc/sys/kernel` and `/sys/bus/event_source` only.

use super::{Check, Context, Level};

const ASLR_WHY: &str = "with ASLR each worker process gets a different memory layout, so \
    alignment-sensitive kernels vary from process to process; nbench measures every point in \
    four processes, so this shows up as spread between them rather than as a bias, and turning \
    it off (for one run: `setarch -R nbench run …`) narrows that spread";

/// `kernel.randomize_va_space`.
pub fn aslr(ctx: &Context) -> Check {
    let id = "kernel.aslr";
    let file = "proc/sys/kernel/randomize_va_space";
    let fix = format!("echo 0 | sudo tee /{file}");
    match ctx.root.number::<u32>(file) {
        Some(0) => Check::new(id, Level::Ok, "off (randomize_va_space=0)", ASLR_WHY),
        Some(1) => Check::new(
            id,
            Level::Info,
            "on for stack, mmap and vDSO (randomize_va_space=1)",
            ASLR_WHY,
        )
        .fix(fix),
        Some(n) => Check::new(
            id,
            Level::Info,
            format!("on for stack, mmap, vDSO and heap (randomize_va_space={n})"),
            ASLR_WHY,
        )
        .fix(fix),
        None => Check::new(
            id,
            Level::Unknown,
            format!("/{file} is not readable"),
            ASLR_WHY,
        ),
    }
}

const PERF_WHY: &str = "`nbench run --profile perf-stat|perf-record` needs perf events: at \
    level 2 an unprivileged user may count user-space events of its own processes only, at 3 \
    or more not at all (root is not limited); hardware counters (cycles, instructions, cache \
    misses) also need a PMU, which VMs often do not expose";

/// `kernel.perf_event_paranoid`, and whether the CPU's PMU is visible.
pub fn perf_event_paranoid(ctx: &Context) -> Check {
    let id = "kernel.perf_event_paranoid";
    let file = "proc/sys/kernel/perf_event_paranoid";
    // `cpu` on most machines; hybrid Intel parts expose `cpu_core` and `cpu_atom`.
    let pmus = ctx.root.list("sys/bus/event_source/devices");
    let pmu = pmus.iter().any(|d| d == "cpu" || d.starts_with("cpu_"));
    let pmu_text = if pmu {
        "a hardware PMU is exposed"
    } else if pmus.is_empty() {
        "no perf event sources listed under /sys/bus/event_source/devices"
    } else {
        "no hardware PMU exposed (software events only)"
    };
    let Some(level) = ctx.root.number::<i32>(file) else {
        return Check::new(
            id,
            Level::Unknown,
            format!("/{file} is not readable (a kernel without perf events?); {pmu_text}"),
            PERF_WHY,
        );
    };
    let meaning = match level {
        i32::MIN..=-1 => "no restrictions",
        0 => "no raw tracepoints for users",
        1 => "users may not profile the kernel",
        2 => "users may profile user space of their own processes only",
        _ => "users may not use perf at all",
    };
    let found = format!("{level} ({meaning}); {pmu_text}");
    let fix = format!("echo 1 | sudo tee /{file}");
    match level {
        i32::MIN..=1 if pmu => Check::new(id, Level::Ok, found, PERF_WHY),
        i32::MIN..=2 => {
            let c = Check::new(id, Level::Info, found, PERF_WHY);
            if level == 2 { c.fix(fix) } else { c }
        }
        _ => Check::new(id, Level::Warn, found, PERF_WHY).fix(fix),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn aslr_levels() {
        let f = Fixture::new("aslr0").file("proc/sys/kernel/randomize_va_space", "0\n");
        assert_eq!(aslr(&f.ctx(vec![vec![0]])).status, Level::Ok);
        let f = Fixture::new("aslr2").file("proc/sys/kernel/randomize_va_space", "2\n");
        let c = aslr(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Info);
        assert!(c.found.contains("heap"), "{}", c.found);
        assert_eq!(
            c.fix.as_deref(),
            Some("echo 0 | sudo tee /proc/sys/kernel/randomize_va_space")
        );
        let f = Fixture::new("aslr-none");
        assert_eq!(aslr(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }

    #[test]
    fn paranoid_levels_and_pmu() {
        let with = |level: &str, pmu: bool| {
            let mut f = Fixture::new(&format!("perf{level}{pmu}"))
                .file("proc/sys/kernel/perf_event_paranoid", level)
                .file("sys/bus/event_source/devices/software/type", "1\n");
            if pmu {
                f = f.file("sys/bus/event_source/devices/cpu/type", "4\n");
            }
            perf_event_paranoid(&f.ctx(vec![vec![0]]))
        };
        assert_eq!(with("1", true).status, Level::Ok);
        let c = with("1", false);
        assert_eq!(c.status, Level::Info);
        assert!(c.found.contains("software events only"), "{}", c.found);
        assert_eq!(with("2", true).status, Level::Info);
        let c = with("4", true);
        assert_eq!(c.status, Level::Warn);
        assert!(
            c.found.starts_with("4 (users may not use perf at all)"),
            "{}",
            c.found
        );
        assert!(c.fix.is_some());
        let f = Fixture::new("perf-none");
        assert_eq!(
            perf_event_paranoid(&f.ctx(vec![vec![0]])).status,
            Level::Unknown
        );
    }
}
