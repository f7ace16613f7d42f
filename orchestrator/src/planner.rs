//! The planner: expands the user's filters over the catalogue into an ordered list of attempts.
//!
//! Order: seed, then probe (catalogue order, by name), then point, then provider and backend.
//! The backends of one point and seed run adjacent to each other (A B C, A B C …), so slow drift
//! of the machine does not bias one backend (docs/architecture.md, "The plan order"). The seed quartet is the outermost
//! loop so that the four independent processes of a point are spread over the whole run rather
//! than run back to back: a minute-scale slow phase of a shared machine then hits one seed of a
//! point, not all four, and the gate's between-process variance sees it instead of mistaking it
//! for (or masking) a change (reports/gate-calibration.md). Every bad filter is refused here,
//! before anything runs, with the valid choices in the message. This module does not schedule or
//! run anything.

use std::collections::BTreeMap;

use globset::{Glob, GlobSetBuilder};
use nbench_schema::{ParamValue, Params, ProbeInfo};

pub use crate::attempt::Attempt;
use crate::catalogue::Catalogue;
use crate::error::{Error, Result};

/// The fixed seed quartet every point is measured with.
pub const SEEDS: [u64; 4] = [0, 1, 2, 3];

/// Platforms nbench knows.
pub const PLATFORMS: [&str; 2] = ["cpu", "cuda"];

/// What the user asked for.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Filters {
    pub families: Vec<String>,
    pub matches: Vec<String>,
    pub backends: Vec<String>,
    /// Axis restrictions, from `--param` and `--size`.
    pub params: BTreeMap<String, Vec<ParamValue>>,
    pub quick: bool,
    pub platforms: Vec<String>,
    pub providers: Vec<String>,
}

/// Expands `filters` over `cat` into the ordered plan.
pub fn plan(cat: &Catalogue, filters: &Filters) -> Result<Vec<Attempt>> {
    let probes = select_probes(cat, filters)?;
    let platforms: Vec<String> = if filters.platforms.is_empty() {
        vec!["cpu".to_string()]
    } else {
        filters.platforms.clone()
    };
    for p in &platforms {
        if !PLATFORMS.contains(&p.as_str()) {
            return Err(Error::bad(format!(
                "unknown platform `{p}`; valid platforms: {}",
                PLATFORMS.join(", ")
            )));
        }
    }
    let providers = crate::provider::parse(&filters.providers)?;
    check_backends(&probes, filters)?;
    check_param_keys(&probes, filters)?;

    // Everything that depends on the probe alone is resolved (and every bad value refused)
    // before the seed loop, so the loops below only order attempts.
    let any_foreign = providers.iter().any(|p| crate::provider::is_foreign(p));
    let mut blocks = Vec::new();
    for probe in probes {
        if !has_all_axes(probe, filters) {
            continue;
        }
        let backends: Vec<_> = probe
            .backends
            .iter()
            .filter(|b| filters.backends.is_empty() || filters.backends.contains(&b.name))
            .filter(|b| platforms.contains(&b.platform))
            .collect();
        // A foreign provider covers every probe, unless --backend narrowed the probes.
        if backends.is_empty() && (!any_foreign || !filters.backends.is_empty()) {
            continue;
        }
        let native: Vec<(String, String)> = backends
            .iter()
            .map(|b| (b.name.clone(), b.platform.clone()))
            .collect();
        blocks.push((probe, native, points(probe, filters)?));
    }

    let mut out = Vec::new();
    for seed in SEEDS {
        for (probe, native, points) in &blocks {
            for point in points {
                for provider in &providers {
                    // Each provider brings its own backends: the probe's for native, the
                    // provider itself on each of its platforms for numpy and torch.
                    for (backend, platform) in
                        crate::provider::backends_for(provider, native, &platforms)
                    {
                        let index = out.len();
                        out.push(Attempt {
                            index,
                            id: format!("a{index:05}"),
                            probe: probe.name.clone(),
                            family: probe.family.clone(),
                            params: point.clone(),
                            seed,
                            backend,
                            provider: provider.clone(),
                            platform,
                            worker: None,
                            worker_args: Vec::new(),
                            variant: None,
                            policy: None,
                        });
                    }
                }
            }
        }
    }
    if out.is_empty() {
        return Err(Error::bad(
            "no attempts match these filters (check --backend, --platforms and --param against `nbench list`)",
        ));
    }
    Ok(out)
}

fn select_probes<'a>(cat: &'a Catalogue, f: &Filters) -> Result<Vec<&'a ProbeInfo>> {
    let families = cat.families();
    for fam in &f.families {
        if !families.contains(fam) {
            return Err(Error::bad(format!(
                "unknown family `{fam}`; valid families: {}",
                families.join(", ")
            )));
        }
    }
    let glob = if f.matches.is_empty() {
        None
    } else {
        let mut b = GlobSetBuilder::new();
        for m in &f.matches {
            b.add(Glob::new(m).map_err(|e| Error::bad(format!("bad --match pattern `{m}`: {e}")))?);
        }
        Some(
            b.build()
                .map_err(|e| Error::bad(format!("bad --match pattern: {e}")))?,
        )
    };
    let selected: Vec<&ProbeInfo> = cat
        .probes
        .iter()
        .filter(|p| {
            if f.families.is_empty() {
                !p.hidden
            } else {
                f.families.contains(&p.family)
            }
        })
        .filter(|p| glob.as_ref().is_none_or(|g| g.is_match(&p.name)))
        .collect();
    if selected.is_empty() {
        let visible: Vec<&str> = cat
            .probes
            .iter()
            .filter(|p| !p.hidden || f.families.contains(&p.family))
            .map(|p| p.name.as_str())
            .collect();
        return Err(Error::bad(format!(
            "no probe matches {}; valid probes: {}",
            describe(f),
            visible.join(", ")
        )));
    }
    Ok(selected)
}

fn describe(f: &Filters) -> String {
    let mut parts = Vec::new();
    if !f.families.is_empty() {
        parts.push(format!("--family {}", f.families.join(",")));
    }
    if !f.matches.is_empty() {
        parts.push(format!("--match {}", f.matches.join(",")));
    }
    if parts.is_empty() {
        "the default selection".to_string()
    } else {
        parts.join(" ")
    }
}

fn check_backends(probes: &[&ProbeInfo], f: &Filters) -> Result<()> {
    let mut valid: Vec<&str> = probes
        .iter()
        .flat_map(|p| p.backends.iter().map(|b| b.name.as_str()))
        .collect();
    valid.sort();
    valid.dedup();
    for b in &f.backends {
        if !valid.contains(&b.as_str()) {
            return Err(Error::bad(format!(
                "unknown backend `{b}` for the selected probes; valid backends: {}",
                valid.join(", ")
            )));
        }
    }
    Ok(())
}

fn check_param_keys(probes: &[&ProbeInfo], f: &Filters) -> Result<()> {
    for (key, wanted) in &f.params {
        let axes: Vec<(&ProbeInfo, &nbench_schema::AxisInfo)> = probes
            .iter()
            .filter_map(|p| p.axis(key).map(|a| (*p, a)))
            .collect();
        if axes.is_empty() {
            let mut names: Vec<&str> = probes
                .iter()
                .flat_map(|p| p.axes.iter().map(|a| a.name.as_str()))
                .collect();
            names.sort();
            names.dedup();
            return Err(Error::bad(format!(
                "no selected probe has a parameter `{key}`; their parameters: {}",
                names.join(", ")
            )));
        }
        // A value is refused only when no selected probe takes it; probes that do not are
        // left out at that value (`points`).
        for v in wanted {
            if axes.iter().any(|(_, a)| takes(a, v)) {
                continue;
            }
            let mut kinds: Vec<String> = axes
                .iter()
                .map(|(_, a)| format!("{:?}", a.kind).to_lowercase())
                .collect();
            kinds.sort();
            kinds.dedup();
            let mut valid: Vec<String> = Vec::new();
            for x in axes
                .iter()
                .filter(|(_, a)| !a.open)
                .flat_map(|(_, a)| &a.values)
            {
                let x = x.to_string();
                if !valid.contains(&x) {
                    valid.push(x);
                }
            }
            let open = axes.iter().any(|(_, a)| a.open);
            let flag = if key == "size" {
                format!("--size {v}")
            } else {
                format!("--param {key}={v}")
            };
            let which = if valid.is_empty() || open {
                format!("any {} value", kinds.join(" or "))
            } else {
                format!("{} values {}", kinds.join(" or "), valid.join(", "))
            };
            let names: Vec<&str> = axes.iter().map(|(p, _)| p.name.as_str()).collect();
            let who = if names.len() <= 3 {
                names.join(", ")
            } else {
                format!("{} probes", names.len())
            };
            return Err(Error::bad(format!(
                "{flag}: no selected probe takes `{v}` for `{key}`; the selected probes with a `{key}` axis ({who}) take {which}"
            )));
        }
    }
    Ok(())
}

/// Whether `axis` accepts `v`: the right kind, and one of its values unless it is open.
fn takes(axis: &nbench_schema::AxisInfo, v: &ParamValue) -> bool {
    axis.kind.accepts(v) && (axis.open || axis.values.contains(v))
}

/// A probe without an axis the user restricted is left out of the plan.
fn has_all_axes(p: &ProbeInfo, f: &Filters) -> bool {
    f.params.keys().all(|k| p.axis(k).is_some())
}

fn points(p: &ProbeInfo, f: &Filters) -> Result<Vec<Params>> {
    let mut points: Vec<Params> = vec![Params::new()];
    for axis in &p.axes {
        let values: Vec<ParamValue> = match f.params.get(&axis.name) {
            // Values this probe does not take were checked against the whole selection.
            Some(wanted) => wanted.iter().filter(|v| takes(axis, v)).cloned().collect(),
            None if f.quick => vec![axis.representative.clone()],
            None => axis.values.clone(),
        };
        points = points
            .into_iter()
            .flat_map(|pt| {
                values.iter().map(move |v| {
                    let mut q = pt.clone();
                    q.insert(axis.name.clone(), v.clone());
                    q
                })
            })
            .collect();
    }
    Ok(points)
}

/// Repeats the whole plan `rounds` times (A B C, A B C …), renumbering attempts: each key is
/// then measured by `rounds` independent processes.
pub fn repeat(plan: Vec<Attempt>, rounds: u32) -> Vec<Attempt> {
    let n = plan.len();
    (0..rounds.max(1) as usize)
        .flat_map(|_| plan.iter().cloned())
        .enumerate()
        .map(|(index, mut a)| {
            a.index = index;
            a.id = format!("a{index:05}");
            a
        })
        .take(n * rounds.max(1) as usize)
        .collect()
}

/// Parses `KEY=V[,V…]` from `--param`.
pub fn parse_param(text: &str) -> Result<(String, Vec<ParamValue>)> {
    let (k, v) = text.split_once('=').ok_or_else(|| {
        Error::bad(format!(
            "--param takes KEY=VALUE[,VALUE…], got `{text}` (for example --param size=1000,10000)"
        ))
    })?;
    let k = k.trim();
    if k.is_empty() || v.trim().is_empty() {
        return Err(Error::bad(format!(
            "--param takes KEY=VALUE[,VALUE…], got `{text}`"
        )));
    }
    let vals = v
        .split(',')
        .map(|s| ParamValue::from_cli(s.trim()))
        .collect();
    Ok((k.to_string(), vals))
}
