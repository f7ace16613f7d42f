//! Checking a spec before setup: its params against the probe's declared axes, and its
//! measurement policy.
//!
//! This module owns the error messages that tell a user which axes and values are valid. It
//! does not check value ranges a probe imposes itself (negative sizes on open axes …); the
//! probe reports those as `BadParam`.

use nbench_schema::{AxisInfo, AxisKind, MeasurePolicy, ParamValue, Params, ProbeInfo};

fn kind_name(kind: AxisKind) -> &'static str {
    match kind {
        AxisKind::Int => "an integer",
        AxisKind::Float => "a number",
        AxisKind::Str => "a string",
    }
}

fn values_list(axis: &AxisInfo) -> String {
    let vals: Vec<String> = axis.values.iter().map(ToString::to_string).collect();
    if axis.open {
        format!(
            "any {} value, e.g. {}",
            kind_name(axis.kind),
            vals.join(", ")
        )
    } else {
        vals.join(", ")
    }
}

/// Equal values, counting `1` and `1.0` as the same point of a float axis.
fn same_value(a: &ParamValue, b: &ParamValue) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `Ok` when `params` names every axis of `info` exactly once with an acceptable value.
pub fn check_params(info: &ProbeInfo, params: &Params) -> Result<(), String> {
    let axis_names: Vec<&str> = info.axes.iter().map(|a| a.name.as_str()).collect();
    if let Some(key) = params.keys().find(|k| info.axis(k).is_none()) {
        return Err(format!(
            "unknown parameter `{key}` for probe {}; its axes are: {}",
            info.name,
            axis_names.join(", ")
        ));
    }
    for axis in &info.axes {
        let Some(value) = params.get(&axis.name) else {
            return Err(format!(
                "missing parameter `{}` for probe {}; valid values: {}",
                axis.name,
                info.name,
                values_list(axis)
            ));
        };
        if !axis.kind.accepts(value) {
            return Err(format!(
                "parameter `{}` of probe {} must be {}, got `{value}`; valid values: {}",
                axis.name,
                info.name,
                kind_name(axis.kind),
                values_list(axis)
            ));
        }
        if !axis.open && !axis.values.iter().any(|v| same_value(v, value)) {
            return Err(format!(
                "parameter `{}` = {value} is not a value of probe {}; valid values: {}",
                axis.name,
                info.name,
                values_list(axis)
            ));
        }
    }
    Ok(())
}

/// `Ok` when the policy is one this worker can follow.
pub fn check_policy(p: &MeasurePolicy) -> Result<(), String> {
    if p.cache != "hot" {
        return Err(format!(
            "cache policy `{}` is not implemented yet; only `hot` is",
            p.cache
        ));
    }
    let fields = [
        ("warmup_s", p.warmup_s),
        ("warmup_steady_tol", p.warmup_steady_tol),
        ("sample_target_s", p.sample_target_s),
        ("target_rel_ci", p.target_rel_ci),
        ("time_cap_s", p.time_cap_s),
    ];
    if let Some((name, v)) = fields.iter().find(|(_, v)| !(v.is_finite() && *v >= 0.0)) {
        return Err(format!(
            "policy field `{name}` must be a finite non-negative number, got {v}"
        ));
    }
    if p.max_samples == 0 {
        return Err("policy field `max_samples` must be at least 1".to_string());
    }
    Ok(())
}
