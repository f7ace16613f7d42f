//! The probe catalogue a worker prints with `list`: how the orchestrator learns probes without
//! linking their code. This module owns the shapes only.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::params::ParamValue;

/// One probe, as a worker describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProbeInfo {
    /// `family.name`.
    pub name: String,
    /// The family.
    pub family: String,
    /// One line on what it computes.
    pub description: String,
    /// Parameter axes; a point takes one value of each.
    pub axes: Vec<AxisInfo>,
    /// Backends and the platform each runs on.
    pub backends: Vec<BackendInfo>,
    /// Hidden from default runs and listings (the `calib` family).
    pub hidden: bool,
}

/// A parameter axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AxisInfo {
    /// Axis name (`size`, `algebra`, …).
    pub name: String,
    /// Value type.
    pub kind: AxisKind,
    /// The values a full run sweeps.
    pub values: Vec<ParamValue>,
    /// The value a `--quick` run uses.
    pub representative: ParamValue,
    /// Any value of the right kind is accepted, not only `values`.
    pub open: bool,
}

/// The type of an axis's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AxisKind {
    /// Integers.
    Int,
    /// Floats (integers accepted).
    Float,
    /// Names.
    Str,
}

impl AxisKind {
    /// Whether `v` is a value of this kind.
    pub fn accepts(self, v: &ParamValue) -> bool {
        match self {
            AxisKind::Int => matches!(v, ParamValue::Int(_)),
            AxisKind::Float => matches!(v, ParamValue::Int(_) | ParamValue::Float(_)),
            AxisKind::Str => matches!(v, ParamValue::Str(_)),
        }
    }
}

/// A backend of a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackendInfo {
    /// Backend name.
    pub name: String,
    /// The platform it runs on (`cpu` or `cuda`).
    pub platform: String,
}

impl ProbeInfo {
    /// The axis called `name`.
    pub fn axis(&self, name: &str) -> Option<&AxisInfo> {
        self.axes.iter().find(|a| a.name == name)
    }
}
