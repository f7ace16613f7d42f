//! Getting a run's foreign providers ready before dispatch: resolve each `(provider, platform)`
//! launch, ask its interpreter what it has (for the manifest and a warning when a framework is
//! missing), and materialise the instances its attempts will load.
//!
//! A missing framework is not an error here: the Python worker reports it as an `env_failed`
//! row with reason `provider_env_missing` and the rest of the run goes on (docs/providers.md).

use std::path::Path;

use super::facts::{self, ProviderFacts};
use super::{Foreign, instances, is_foreign};
use crate::attempt::Attempt;
use crate::error::Result;

/// What a run needs of its foreign providers.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub foreign: Foreign,
    /// One per foreign `(provider, platform)` in the plan, for the manifest.
    pub facts: Vec<ProviderFacts>,
}

/// Prepares `plan`'s foreign attempts; a plan with none costs nothing.
pub fn for_run(plan: &[Attempt], worker: &Path, store_root: &Path) -> Result<Prepared> {
    if !plan.iter().any(|a| is_foreign(&a.provider)) {
        return Ok(Prepared::default());
    }
    let mut foreign = Foreign::for_plan(plan)?;
    let mut facts = Vec::new();
    for (provider, platform) in foreign.launches.keys() {
        let f = facts::probe(provider, platform);
        if !f.available {
            eprintln!(
                "nbench: warning: provider {provider} on {platform} is {}; its attempts will \
                 be env_failed rows",
                facts::describe(&f)
            );
        }
        facts.push(f);
    }
    let available = |a: &&Attempt| {
        facts
            .iter()
            .any(|f| f.available && f.provider == a.provider && f.platform == a.platform)
    };
    let needed: Vec<Attempt> = plan.iter().filter(available).cloned().collect();
    let root = instances::cache_root(store_root);
    foreign.instances = instances::prepare(&needed, worker, &root)?;
    Ok(Prepared { foreign, facts })
}
