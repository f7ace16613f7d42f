//! One planned attempt: the unit of work every layer shares (planner, providers, scheduler,
//! runner, progress). A leaf module: it depends on the schema only, so the planner and the
//! providers can both use it without depending on each other. It holds no planning or running
//! logic.

use nbench_schema::{MeasurePolicy, Params};

/// One planned attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Position in the plan (0-based).
    pub index: usize,
    /// `a00017`.
    pub id: String,
    pub probe: String,
    pub family: String,
    pub params: Params,
    pub seed: u64,
    pub backend: String,
    pub provider: String,
    pub platform: String,
    /// `nbench ab`: the worker program for this attempt (None: the run's worker).
    pub worker: Option<std::path::PathBuf>,
    /// Arguments the worker program takes before its own (a worker given as a command line,
    /// e.g. `python3 -m nbench_py serve mybench`); empty for a worker binary.
    pub worker_args: Vec<String>,
    /// `nbench ab`: the variant marker for this attempt's row (None: the run's).
    pub variant: Option<String>,
    /// `--budget`: the policy chosen for this attempt (None: the run's).
    pub policy: Option<MeasurePolicy>,
}

impl Attempt {
    /// The worker to spawn: the attempt's own, else `run_worker`.
    pub fn worker_or<'a>(&'a self, run_worker: &'a std::path::Path) -> &'a std::path::Path {
        self.worker.as_deref().unwrap_or(run_worker)
    }

    /// The attempt's identity as one line, `id|probe|params|seed|backend|provider|platform|variant`:
    /// what the plan's hashes (`--resume`'s record, the plan id) are taken over.
    pub fn key_line(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}\n",
            self.id,
            self.probe,
            nbench_schema::params::canonical(&self.params),
            self.seed,
            self.backend,
            self.provider,
            self.platform,
            self.variant.as_deref().unwrap_or("")
        )
    }

    /// The policy to measure under: the attempt's own, else `run_policy`.
    pub fn policy_or<'a>(&'a self, run_policy: &'a MeasurePolicy) -> &'a MeasurePolicy {
        self.policy.as_ref().unwrap_or(run_policy)
    }

    /// The variant marker for the row: the attempt's own, else `run_variant`.
    pub fn variant_or(&self, run_variant: &Option<String>) -> Option<String> {
        self.variant.clone().or_else(|| run_variant.clone())
    }
}
