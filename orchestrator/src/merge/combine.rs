//! Combining merge inputs into one run: the plan-id check, one row per attempt, the plan order,
//! and the merged manifest (what is missing is [`super::missing`]'s to find). A pure function of the inputs' contents: no
//! clock, no path and no input order reaches its result.
//!
//! Which row an attempt keeps, when several inputs hold one: a final row (any status but
//! `interrupted`) over an `interrupted` one, then a row that did not fail over one that did,
//! then the newest run id, then the later `finished_at`, then the larger line bytes — a total
//! order, so the choice never depends on the order the inputs were named in.

use std::collections::{BTreeMap, BTreeSet};

use nbench_schema::Status;

use super::input::{Input, Line};
use super::missing::{Missing, missing};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, MergeInput, MergeRecord};
use crate::store::read::attempt_key;

/// The merged run, ready to write.
#[derive(Debug)]
pub struct Merged {
    pub manifest: Manifest,
    /// `rows.jsonl`: the kept lines in plan order, each with its newline.
    pub rows: Vec<u8>,
    pub parsed: Vec<nbench_schema::Row>,
    pub missing: Vec<Missing>,
    /// One line per attempt that had a final row in several inputs.
    pub duplicates: Vec<String>,
    /// The inputs, in the canonical order (shard index, then run id).
    pub inputs: Vec<Input>,
}

/// Merges `inputs`; unless `force`, inputs of different plans or sharded differently are
/// refused (bad input), naming the two plans or shardings and the runs that have them.
pub fn combine(mut inputs: Vec<Input>, force: bool) -> Result<Merged> {
    let order = |i: &Input| {
        (
            i.manifest.shard.as_ref().map_or(u32::MAX, |s| s.index),
            i.manifest.run_id.clone(),
            std::cmp::Reverse(i.lines.len()),
            i.dir.clone(),
        )
    };
    inputs.sort_by_key(order);
    if !force {
        same(&inputs, "plans", |i| {
            i.manifest
                .plan_id
                .clone()
                .unwrap_or_else(|| "none recorded".into())
        })?;
        same(&inputs, "shardings", |i| {
            i.manifest.shard.as_ref().map_or_else(
                || "unsharded".into(),
                |s| format!("{} into {}", s.strategy.name(), s.count),
            )
        })?;
    }
    let (kept, duplicates) = pick_rows(&inputs);
    let finals: BTreeSet<&str> = kept
        .iter()
        .filter(|l| l.row.status != Status::Interrupted)
        .map(|l| l.row.attempt_id.as_str())
        .collect();
    let (missing, plan_attempts, missing_n) = missing(&inputs, &finals);
    let mut rows = Vec::new();
    for l in &kept {
        rows.extend_from_slice(&l.bytes);
        rows.push(b'\n');
    }
    let parsed: Vec<_> = kept.iter().map(|l| l.row.clone()).collect();
    let mut manifest = manifest(&inputs, &parsed, plan_attempts, missing_n, duplicates.len())?;
    if let Some(rec) = manifest.merge.as_mut() {
        rec.missing_shards = missing
            .iter()
            .flat_map(|m| match m {
                Missing::Shards { indices, .. } => indices.clone(),
                Missing::Attempts { .. } => Vec::new(),
            })
            .collect();
    }
    Ok(Merged {
        manifest,
        rows,
        parsed,
        missing,
        duplicates,
        inputs,
    })
}

/// Refuses inputs whose `what` (by `key`) differs, naming the first two values and their runs.
fn same(inputs: &[Input], what: &str, key: impl Fn(&Input) -> String) -> Result<()> {
    let mut by: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for i in inputs {
        by.entry(key(i)).or_default().push(&i.manifest.run_id);
    }
    if by.len() < 2 {
        return Ok(());
    }
    let two: Vec<String> = by
        .iter()
        .take(2)
        .map(|(k, runs)| {
            format!(
                "{k} (run{} {})",
                if runs.len() > 1 { "s" } else { "" },
                runs.join(", ")
            )
        })
        .collect();
    Err(Error::bad(format!(
        "the inputs are not shards of one plan: their {what} differ, {} and {}; merge the shards of one plan (the same filters, policy, catalogue and --shard strategy and count), or pass --force",
        two[0], two[1]
    )))
}

/// One line per attempt by the rule in the module header, in plan order; and a line for each
/// attempt whose final rows came from more than one input.
fn pick_rows(inputs: &[Input]) -> (Vec<Line>, Vec<String>) {
    let mut by: BTreeMap<(usize, String, String), Vec<&Line>> = BTreeMap::new();
    for i in inputs {
        for l in &i.lines {
            let r = &l.row;
            by.entry((
                plan_index(&r.attempt_id),
                r.attempt_id.clone(),
                attempt_key(r),
            ))
            .or_default()
            .push(l);
        }
    }
    let rank = |l: &&&Line| {
        let r = &l.row;
        (
            r.status != Status::Interrupted,
            !r.status.is_failure(),
            r.run_id.clone(),
            r.finished_at.clone(),
            l.bytes.clone(),
        )
    };
    let mut duplicates = Vec::new();
    let mut kept = Vec::new();
    for ((_, id, _), lines) in by {
        let Some(best) = lines.iter().max_by_key(rank) else {
            continue;
        };
        let runs: BTreeSet<&str> = lines
            .iter()
            .filter(|l| l.row.status != Status::Interrupted)
            .map(|l| l.row.run_id.as_str())
            .collect();
        if runs.len() > 1 {
            duplicates.push(format!(
                "attempt {id} has a final row in runs {}; kept run {}'s (a row that did not fail first, then the newest run id)",
                runs.into_iter().collect::<Vec<_>>().join(", "),
                best.row.run_id
            ));
        }
        kept.push((*best).clone());
    }
    (kept, duplicates)
}

/// The attempt's position in the plan, from its id (`a00017` → 17); an id of another form
/// sorts last.
fn plan_index(id: &str) -> usize {
    id.strip_prefix('a')
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

/// The merged run's manifest: the first input's (lowest shard index, then run id) with what a
/// merge changes — an id derived from the plan and the inputs' run ids, the earliest start and
/// latest finish of the inputs, the plan's attempt count, every input's probes, a record of
/// the inputs and their hosts — and nothing of the merge's own clock or paths.
fn manifest(
    inputs: &[Input],
    rows: &[nbench_schema::Row],
    plan_attempts: usize,
    missing: usize,
    duplicates: usize,
) -> Result<Manifest> {
    let first = inputs
        .first()
        .ok_or_else(|| Error::bad("merge needs at least one run directory"))?;
    let mut m = first.manifest.clone();
    let run_ids: Vec<&str> = {
        let mut v: Vec<&str> = inputs.iter().map(|i| i.manifest.run_id.as_str()).collect();
        v.sort();
        v.dedup();
        v
    };
    let seed = format!(
        "{}|{}",
        m.plan_id.as_deref().unwrap_or(""),
        run_ids.join(",")
    );
    m.run_id = format!("merge-{:016x}", xxhash_rust::xxh3::xxh3_64(seed.as_bytes()));
    m.status = if missing == 0 {
        "complete"
    } else {
        "incomplete"
    }
    .into();
    m.started_at = inputs
        .iter()
        .map(|i| i.manifest.started_at.clone())
        .min()
        .unwrap_or_default();
    m.finished_at = inputs
        .iter()
        .filter_map(|i| i.manifest.finished_at.clone())
        .max();
    m.command_line = ["nbench", "merge"]
        .into_iter()
        .chain(run_ids.iter().copied())
        .map(str::to_string)
        .collect();
    m.planned_attempts = plan_attempts;
    let probes: BTreeSet<String> = inputs
        .iter()
        .flat_map(|i| i.manifest.probes.iter().cloned())
        .collect();
    m.probes = probes.into_iter().collect();
    let summary = crate::analysis::summary::summarize(rows, &Default::default());
    m.status_counts = summary.status_counts.into_iter().collect();
    m.plan = None;
    m.resumes = Vec::new();
    m.shard = None;
    let kept = |run: &str| rows.iter().filter(|r| r.run_id == run).count();
    m.merge = Some(MergeRecord {
        inputs: inputs
            .iter()
            .map(|i| MergeInput {
                run_id: i.manifest.run_id.clone(),
                shard: i.manifest.shard.as_ref().map(|s| s.label()),
                hostname: i.manifest.machine.hostname.clone(),
                cpu_model: i.manifest.machine.cpu_model.clone(),
                status: i.manifest.status.clone(),
                rows_kept: kept(&i.manifest.run_id),
            })
            .collect(),
        missing_attempts: missing,
        missing_shards: Vec::new(),
        duplicates,
    });
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_sort_by_their_plan_position() {
        assert_eq!(plan_index("a00017"), 17);
        assert_eq!(plan_index("x"), usize::MAX);
    }
}
