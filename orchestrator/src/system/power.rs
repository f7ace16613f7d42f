//! Thermal and power checks, where the system exposes them: temperatures against their trip
//! points and processor cooling (`/sys/class/thermal`), mains or battery
//! (`/sys/class/power_supply`), and the ACPI platform profile. Reads sysfs only.

use super::{Check, Context, Level};

const THERMAL_WHY: &str = "a CPU near its thermal trip point lowers its clock (throttles), so \
    attempts late in a run, or after a heavy one, run slower than early ones";

/// How close (millidegrees) to a passive trip point counts as about to throttle.
const TRIP_MARGIN_MC: i64 = 5_000;

/// Temperatures against the lowest passive trip point, and processor cooling in force.
pub fn thermal(ctx: &Context) -> Check {
    let id = "power.thermal";
    let base = "sys/class/thermal";
    let names = ctx.root.list(base);
    let mut hottest: Option<(i64, String)> = None;
    let mut near = Vec::new();
    for zone in names.iter().filter(|n| n.starts_with("thermal_zone")) {
        let dir = format!("{base}/{zone}");
        let Some(temp) = ctx.root.number::<i64>(&format!("{dir}/temp")) else {
            continue;
        };
        let kind = ctx
            .root
            .read(&format!("{dir}/type"))
            .unwrap_or_else(|| zone.clone());
        if hottest.as_ref().is_none_or(|(t, _)| temp > *t) {
            hottest = Some((temp, kind.clone()));
        }
        let trip = (0..32)
            .map_while(|n| {
                let t = ctx.root.read(&format!("{dir}/trip_point_{n}_type"))?;
                Some((
                    t,
                    ctx.root
                        .number::<i64>(&format!("{dir}/trip_point_{n}_temp")),
                ))
            })
            .filter(|(t, _)| t == "passive" || t == "hot")
            .filter_map(|(_, temp)| temp.filter(|&v| v > 0))
            .min();
        if let Some(trip) = trip
            && temp + TRIP_MARGIN_MC >= trip
        {
            near.push(format!(
                "{kind} at {} °C, trip point {} °C",
                temp / 1000,
                trip / 1000
            ));
        }
    }
    let throttled: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with("cooling_device"))
        .filter_map(|dev| {
            let dir = format!("{base}/{dev}");
            let kind = ctx.root.read(&format!("{dir}/type"))?;
            let cur = ctx.root.number::<u64>(&format!("{dir}/cur_state"))?;
            let max = ctx
                .root
                .number::<u64>(&format!("{dir}/max_state"))
                .unwrap_or(0);
            let cpu = kind == "Processor" || kind.contains("powerclamp");
            (cpu && cur > 0).then(|| format!("{kind} cooling at state {cur}/{max}"))
        })
        .collect();
    let Some((temp, kind)) = hottest else {
        let found = if throttled.is_empty() {
            "no thermal zone with a temperature under /sys/class/thermal (typical of a VM)"
                .to_string()
        } else {
            format!("no thermal zone temperature; {}", throttled.join(", "))
        };
        let level = if throttled.is_empty() {
            Level::Unknown
        } else {
            Level::Warn
        };
        return Check::new(id, level, found, THERMAL_WHY);
    };
    let mut found = format!("hottest zone {kind} at {} °C", temp / 1000);
    if near.is_empty() && throttled.is_empty() {
        return Check::new(id, Level::Ok, found, THERMAL_WHY);
    }
    for part in near.iter().chain(&throttled) {
        found.push_str("; ");
        found.push_str(part);
    }
    Check::new(id, Level::Warn, found, THERMAL_WHY)
}

const SUPPLY_WHY: &str = "on battery most laptops cap the CPU's clock and power, so a run on \
    battery is slower than the same run on mains";

/// Mains or battery.
pub fn supply(ctx: &Context) -> Check {
    let id = "power.supply";
    let base = "sys/class/power_supply";
    let mut mains_online = None;
    let mut batteries = Vec::new();
    let mut discharging = false;
    for dev in ctx.root.list(base) {
        let dir = format!("{base}/{dev}");
        match ctx.root.read(&format!("{dir}/type")).as_deref() {
            Some("Mains") => {
                let online = ctx.root.number::<u8>(&format!("{dir}/online")) == Some(1);
                mains_online = Some(mains_online.unwrap_or(false) || online);
            }
            Some("Battery") => {
                let status = ctx
                    .root
                    .read(&format!("{dir}/status"))
                    .unwrap_or_else(|| "status unknown".into());
                let capacity = ctx
                    .root
                    .read(&format!("{dir}/capacity"))
                    .map(|c| format!(", {c} %"))
                    .unwrap_or_default();
                discharging |= status == "Discharging";
                batteries.push(format!("{dev} {}{capacity}", status.to_lowercase()));
            }
            _ => {}
        }
    }
    if mains_online.is_none() && batteries.is_empty() {
        return Check::new(
            id,
            Level::Unknown,
            "no mains or battery under /sys/class/power_supply (a desktop, a server or a VM)",
            SUPPLY_WHY,
        );
    }
    let mut parts = Vec::new();
    match mains_online {
        Some(true) => parts.push("on mains".to_string()),
        Some(false) => parts.push("mains offline".to_string()),
        None => {}
    }
    parts.extend(batteries);
    let found = parts.join("; ");
    if discharging || mains_online == Some(false) {
        Check::new(id, Level::Warn, found, SUPPLY_WHY)
    } else {
        Check::new(id, Level::Ok, found, SUPPLY_WHY)
    }
}

const PROFILE_WHY: &str = "the ACPI platform profile sets the firmware's power limits: \
    `balanced` and `low-power` lower the sustained clock below what `performance` allows";

/// `/sys/firmware/acpi/platform_profile`.
pub fn profile(ctx: &Context) -> Check {
    let id = "power.profile";
    let file = "sys/firmware/acpi/platform_profile";
    let Some(current) = ctx.root.read(file) else {
        return Check::new(
            id,
            Level::Unknown,
            format!("no ACPI platform profile (/{file} is absent)"),
            PROFILE_WHY,
        );
    };
    let choices = ctx
        .root
        .read("sys/firmware/acpi/platform_profile_choices")
        .unwrap_or_default();
    let found = if choices.is_empty() {
        format!("platform profile {current}")
    } else {
        format!("platform profile {current} (choices: {choices})")
    };
    if current == "performance" {
        return Check::new(id, Level::Ok, found, PROFILE_WHY);
    }
    let check = Check::new(id, Level::Warn, found, PROFILE_WHY);
    if choices.split_whitespace().any(|c| c == "performance") {
        check.fix(format!("echo performance | sudo tee /{file}"))
    } else {
        check
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    fn zone(f: Fixture, n: u32, kind: &str, temp: i64, passive: i64) -> Fixture {
        let d = format!("sys/class/thermal/thermal_zone{n}");
        f.file(&format!("{d}/type"), kind)
            .file(&format!("{d}/temp"), &format!("{temp}\n"))
            .file(&format!("{d}/trip_point_0_type"), "critical\n")
            .file(&format!("{d}/trip_point_0_temp"), "105000\n")
            .file(&format!("{d}/trip_point_1_type"), "passive\n")
            .file(&format!("{d}/trip_point_1_temp"), &format!("{passive}\n"))
    }

    #[test]
    fn thermal_reports_the_hottest_zone_and_warns_near_a_trip_point() {
        let f = zone(Fixture::new("therm-ok"), 0, "acpitz", 40_000, 95_000);
        let f = zone(f, 1, "x86_pkg_temp", 54_000, 95_000);
        let c = thermal(&f.ctx(vec![vec![0]]));
        assert_eq!(
            (c.status, c.found.as_str()),
            (Level::Ok, "hottest zone x86_pkg_temp at 54 °C")
        );
        let f = zone(Fixture::new("therm-hot"), 0, "x86_pkg_temp", 92_000, 95_000);
        let c = thermal(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Warn);
        assert!(c.found.contains("trip point 95 °C"), "{}", c.found);
    }

    #[test]
    fn thermal_warns_on_processor_cooling_and_is_unknown_without_zones() {
        let f = zone(
            Fixture::new("therm-cool"),
            0,
            "x86_pkg_temp",
            50_000,
            95_000,
        )
        .file("sys/class/thermal/cooling_device0/type", "Processor\n")
        .file("sys/class/thermal/cooling_device0/cur_state", "2\n")
        .file("sys/class/thermal/cooling_device0/max_state", "10\n");
        let c = thermal(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Warn);
        assert!(
            c.found.ends_with("Processor cooling at state 2/10"),
            "{}",
            c.found
        );
        let f = Fixture::new("therm-none");
        assert_eq!(thermal(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }

    #[test]
    fn supply_warns_on_battery() {
        let f = Fixture::new("bat")
            .file("sys/class/power_supply/AC/type", "Mains\n")
            .file("sys/class/power_supply/AC/online", "0\n")
            .file("sys/class/power_supply/BAT0/type", "Battery\n")
            .file("sys/class/power_supply/BAT0/status", "Discharging\n")
            .file("sys/class/power_supply/BAT0/capacity", "63\n");
        let c = supply(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Warn);
        assert_eq!(c.found, "mains offline; BAT0 discharging, 63 %");
        let f = Fixture::new("ac")
            .file("sys/class/power_supply/AC/type", "Mains\n")
            .file("sys/class/power_supply/AC/online", "1\n");
        assert_eq!(supply(&f.ctx(vec![vec![0]])).status, Level::Ok);
        let f = Fixture::new("nosupply");
        assert_eq!(supply(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }

    #[test]
    fn platform_profile_other_than_performance_warns() {
        let f = Fixture::new("prof")
            .file("sys/firmware/acpi/platform_profile", "balanced\n")
            .file(
                "sys/firmware/acpi/platform_profile_choices",
                "low-power balanced performance\n",
            );
        let c = profile(&f.ctx(vec![vec![0]]));
        assert_eq!(c.status, Level::Warn);
        assert_eq!(
            c.fix.as_deref(),
            Some("echo performance | sudo tee /sys/firmware/acpi/platform_profile")
        );
        let f = Fixture::new("prof-none");
        assert_eq!(profile(&f.ctx(vec![vec![0]])).status, Level::Unknown);
    }
}
