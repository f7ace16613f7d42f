//! The probe registry: lookup by name and the catalogue `list` prints.
//!
//! This module owns name resolution and the "valid names" lists in error messages. It does not
//! validate params (see [`crate::validate`]) or run anything.

use nbench_schema::ProbeInfo;

use crate::probe::Probe;

/// A set of probes with unique names.
pub struct Registry {
    probes: Vec<Box<dyn Probe>>,
}

impl Registry {
    /// The built-in probes.
    pub fn builtin() -> Self {
        Self::from_probes(crate::probes::all())
    }

    /// Any probes (tests add deliberately broken ones).
    pub fn from_probes(probes: Vec<Box<dyn Probe>>) -> Self {
        Registry { probes }
    }

    /// The probe called `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Probe> {
        self.probes
            .iter()
            .find(|p| p.info().name == name)
            .map(|p| p.as_ref())
    }

    /// Every probe's name, in catalogue order.
    pub fn names(&self) -> Vec<String> {
        self.probes.iter().map(|p| p.info().name).collect()
    }

    /// The catalogue, hidden probes included (the orchestrator filters).
    pub fn catalogue(&self) -> Vec<ProbeInfo> {
        self.probes.iter().map(|p| p.info()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_are_unique_and_families_match() {
        let reg = Registry::builtin();
        let mut names = reg.names();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        for info in reg.catalogue() {
            assert_eq!(info.name.split('.').next(), Some(info.family.as_str()));
            assert_eq!(info.hidden, info.family == "calib");
            for axis in &info.axes {
                assert!(axis.values.contains(&axis.representative), "{}", info.name);
            }
        }
    }
}
