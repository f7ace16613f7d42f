//! The plan id: one hash naming a whole, unsharded plan, recorded in every run's manifest so
//! that `nbench merge` can prove its inputs are shards of one plan. It covers everything that
//! decides which attempts exist and how they are measured — the ordered attempt keys, the
//! filters, the catalogue the workers declared with their versions, the measurement policy, the
//! repeat count and nbench's version — and nothing about where or when the plan runs (paths,
//! hosts, store, the shard), so every host computes the same id. It hashes; it does not plan.

use nbench_schema::MeasurePolicy;
use serde::Serialize;

use crate::attempt::Attempt;
use crate::catalogue::Catalogue;
use crate::planner::Filters;

/// What a plan id is taken over.
#[derive(Serialize)]
pub struct Inputs<'a> {
    pub nbench_version: &'a str,
    pub filters: &'a Filters,
    pub repeat: u32,
    pub policy: &'a MeasurePolicy,
    pub worker_versions: &'a [String],
    pub catalogue: &'a [nbench_schema::ProbeInfo],
    /// Each attempt's [`Attempt::key_line`], in plan order.
    pub attempts: Vec<String>,
}

impl<'a> Inputs<'a> {
    /// The inputs of `plan` (whole, before any shard is taken).
    pub fn new(
        plan: &[Attempt],
        filters: &'a Filters,
        catalogue: &'a Catalogue,
        worker_versions: &'a [String],
        policy: &'a MeasurePolicy,
        repeat: u32,
    ) -> Inputs<'a> {
        Inputs {
            nbench_version: env!("CARGO_PKG_VERSION"),
            filters,
            repeat,
            policy,
            worker_versions,
            catalogue: &catalogue.probes,
            attempts: plan.iter().map(Attempt::key_line).collect(),
        }
    }

    /// `p` and 32 hex digits of xxh3-128 over the inputs as JSON (fields in declaration order,
    /// maps sorted): stable across hosts and Rust versions.
    pub fn id(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        format!("p{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(i: usize, probe: &str) -> Attempt {
        Attempt {
            index: i,
            id: format!("a{i:05}"),
            probe: probe.into(),
            family: "vec".into(),
            params: Default::default(),
            seed: 0,
            backend: "scalar".into(),
            provider: "native".into(),
            platform: "cpu".into(),
            worker: None,
            worker_args: Vec::new(),
            variant: None,
            policy: None,
        }
    }

    #[test]
    fn the_id_changes_with_the_plan_and_the_policy_only() {
        let f = Filters::default();
        let cat = Catalogue { probes: Vec::new() };
        let v = vec!["nbench-worker 0.1.0".to_string()];
        let p = MeasurePolicy::default();
        let plan = vec![attempt(0, "vec.add"), attempt(1, "vec.dot")];
        let id = Inputs::new(&plan, &f, &cat, &v, &p, 1).id();
        assert_eq!(id, Inputs::new(&plan, &f, &cat, &v, &p, 1).id());
        assert_eq!(id.len(), 33);
        let mut worker_elsewhere = plan.clone();
        worker_elsewhere[0].worker = Some("/elsewhere/nbench-worker".into());
        assert_eq!(id, Inputs::new(&worker_elsewhere, &f, &cat, &v, &p, 1).id());
        assert_ne!(id, Inputs::new(&plan[..1], &f, &cat, &v, &p, 1).id());
        assert_ne!(id, Inputs::new(&plan, &f, &cat, &v, &p, 2).id());
        let other = vec!["nbench-worker 0.2.0".to_string()];
        assert_ne!(id, Inputs::new(&plan, &f, &cat, &other, &p, 1).id());
        let slower = MeasurePolicy {
            warmup_s: p.warmup_s * 2.0,
            ..p.clone()
        };
        assert_ne!(id, Inputs::new(&plan, &f, &cat, &v, &slower, 1).id());
    }
}
