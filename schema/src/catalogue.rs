//! The probe catalogue a worker prints with `list`: how the orchestrator learns probes without
//! linking their code. This module owns the shapes and the rules a declaration must follow
//! ([`ProbeInfo::check`]), shared by every worker and the orchestrator; it runs nothing.

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
    /// The backend every other backend's speedup is measured against (a naive baseline);
    /// absent: nbench picks one by name (`docs/reports.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
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
    /// CPU features the backend needs (`avx2`, `fma`, …, as `is_x86_feature_detected!` names
    /// them); on a CPU without one of them the attempt is a `skipped` row with reason
    /// `missing_cpu_feature`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
}

impl BackendInfo {
    /// A backend on the CPU that needs no particular CPU feature.
    pub fn cpu(name: &str) -> Self {
        BackendInfo {
            name: name.to_string(),
            platform: "cpu".to_string(),
            requires: Vec::new(),
        }
    }

    /// The same backend, needing these CPU features.
    pub fn requiring(mut self, features: &[&str]) -> Self {
        self.requires = features.iter().map(|f| f.to_string()).collect();
        self
    }
}

impl ProbeInfo {
    /// A visible probe `family.name` with no axes or backends yet; the family is the part of
    /// `name` before the first dot.
    pub fn new(name: &str, description: &str) -> Self {
        ProbeInfo {
            name: name.to_string(),
            family: name.split('.').next().unwrap_or(name).to_string(),
            description: description.to_string(),
            axes: Vec::new(),
            backends: Vec::new(),
            hidden: false,
            reference: None,
        }
    }

    /// With one more parameter axis.
    pub fn with_axis(mut self, axis: AxisInfo) -> Self {
        self.axes.push(axis);
        self
    }

    /// With one more backend.
    pub fn with_backend(mut self, backend: BackendInfo) -> Self {
        self.backends.push(backend);
        self
    }

    /// With `backend` as the baseline every other backend's speedup is measured against.
    pub fn with_reference(mut self, backend: &str) -> Self {
        self.reference = Some(backend.to_string());
        self
    }

    /// The axis called `name`.
    pub fn axis(&self, name: &str) -> Option<&AxisInfo> {
        self.axes.iter().find(|a| a.name == name)
    }

    /// `Ok` when the declaration is usable: a `family.name` name in its family, at least one
    /// backend, unique backend and axis names, every axis with values of its kind and its
    /// representative among them, and the reference (if any) one of the backends. The error
    /// names the probe and what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let bad = |what: String| Err(format!("probe `{}` is declared wrongly: {what}", self.name));
        if self.name.split('.').next() != Some(self.family.as_str()) || !self.name.contains('.') {
            return bad(format!(
                "its name must be `{}.<name>` (family, a dot, a name)",
                self.family
            ));
        }
        if self.backends.is_empty() {
            return bad("it declares no backends".into());
        }
        for (i, b) in self.backends.iter().enumerate() {
            if b.name.is_empty() {
                return bad("a backend has an empty name".into());
            }
            if self.backends[..i].iter().any(|o| o.name == b.name) {
                return bad(format!("backend `{}` is declared twice", b.name));
            }
        }
        for (i, a) in self.axes.iter().enumerate() {
            if self.axes[..i].iter().any(|o| o.name == a.name) {
                return bad(format!("axis `{}` is declared twice", a.name));
            }
            if a.values.is_empty() {
                return bad(format!("axis `{}` has no values", a.name));
            }
            if let Some(v) = a.values.iter().find(|v| !a.kind.accepts(v)) {
                return bad(format!(
                    "axis `{}` has value `{v}` of the wrong kind",
                    a.name
                ));
            }
            if !a.values.contains(&a.representative) {
                let vals: Vec<String> = a.values.iter().map(ToString::to_string).collect();
                return bad(format!(
                    "the representative value `{}` of axis `{}` is not among its values {}",
                    a.representative,
                    a.name,
                    vals.join(", ")
                ));
            }
        }
        if let Some(r) = &self.reference
            && !self.backends.iter().any(|b| &b.name == r)
        {
            let names: Vec<&str> = self.backends.iter().map(|b| b.name.as_str()).collect();
            return bad(format!(
                "its reference backend `{r}` is not one of its backends {}",
                names.join(", ")
            ));
        }
        Ok(())
    }
}
