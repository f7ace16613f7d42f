//! What `run` knows of a plan's duration before it starts: the store's history of the planned
//! attempt keys on this host, read newest run first and only until every key is found, then
//! the `--budget` fit and the prediction ([`crate::analysis`] computes both), and their text for
//! `--dry-run` and the budget's announcement. It reads the store and prints; it decides nothing.

use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

use nbench_schema::MeasurePolicy;

use crate::analysis::budget::Fit;
use crate::analysis::predict::{self, History, Prediction};
use crate::attempt::Attempt;
use crate::render::escape;
use crate::store;
use crate::units;

/// Runs read back for history at most: the newest ones say what this build costs.
const MAX_RUNS: usize = 200;

/// The newest measured cost of each of `plan`'s keys in `store_root` on this host. A store
/// that does not exist yet, or a run that cannot be read, just knows less.
pub fn history(store_root: &Path, plan: &[Attempt]) -> History {
    let host = crate::hostinfo::hostname();
    let mut wanted: HashSet<String> = plan
        .iter()
        .map(|a| {
            predict::key(
                &a.probe,
                &a.params,
                a.seed,
                [&a.backend, &a.provider, &a.platform],
            )
        })
        .collect();
    let mut rows = Vec::new();
    let runs = store::runs(store_root).unwrap_or_default();
    for dir in runs.iter().rev().take(MAX_RUNS) {
        if wanted.is_empty() {
            break;
        }
        let Ok(loaded) = store::read::load(std::slice::from_ref(dir)) else {
            continue;
        };
        for r in loaded {
            let k = predict::key(
                &r.probe,
                &r.params,
                r.seed,
                [&r.backend, &r.provider, &r.platform],
            );
            let measured =
                r.worker.is_some() && r.host.as_ref().is_some_and(|h| h.hostname == host);
            if measured && r.status != nbench_schema::Status::Interrupted {
                wanted.remove(&k);
            }
            rows.push(r);
        }
    }
    History::from_rows(&rows, Some(&host))
}

/// The prediction of `plan` under `policy` (or each attempt's own).
pub fn predict(
    plan: &[Attempt],
    history: &History,
    policy: &MeasurePolicy,
    cpu_slots: usize,
    gpus: usize,
) -> Prediction {
    predict::predict(
        plan,
        history,
        |a| a.policy_or(policy).clone(),
        cpu_slots,
        gpus,
    )
}

/// `--dry-run`'s prediction: the total, then one line per family (names escaped for a
/// terminal, as every rendered name is).
pub fn render_prediction(p: &Prediction) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "predicted wall time: {} ({} of {} attempts from measured rows, the rest from the policy)",
        units::seconds(p.total_s),
        p.measured,
        p.attempts
    );
    let width = p.families.keys().map(String::len).max().unwrap_or(0);
    for (family, s) in &p.families {
        let family = escape::terminal(family);
        let _ = writeln!(
            out,
            "  {family:<width$}  {:>5} attempts  {:>5} measured  {:>9} of attempts",
            s.attempts,
            s.measured,
            units::seconds(s.attempt_s)
        );
    }
    out
}

/// What `--budget` chose, said before the run starts.
pub fn render_fit(fit: &Fit) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "budget {}: predicted {}{}",
        units::seconds(fit.budget_s),
        units::seconds(fit.predicted_s),
        if fit.fits {
            String::new()
        } else {
            " — over the budget even with every probe at the last step and one point each".into()
        }
    );
    let lowered: Vec<String> = fit
        .steps
        .iter()
        .filter(|(_, s)| **s > 0)
        .map(|(p, s)| format!("{} {s}", escape::terminal(p)))
        .collect();
    if !lowered.is_empty() {
        let _ = writeln!(
            out,
            "  policy lowered (probe and ladder step, docs/budget.md): {}",
            lowered.join(", ")
        );
    }
    for d in &fit.dropped {
        let _ = writeln!(
            out,
            "  dropped {} {} ({} attempts, predicted {})",
            escape::terminal(&d.probe),
            escape::terminal(&d.params),
            d.attempts,
            units::seconds(d.predicted_s)
        );
    }
    out
}
