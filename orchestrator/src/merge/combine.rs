//! Combining merge inputs into one run: the plan-id check, one row per attempt, the plan order,
//! what is missing, and the merged manifest. A pure function of the inputs' contents: no
//! clock, no path and no input order reaches its result.
//!
//! Which row an attempt keeps, when several inputs hold one: a final row (any status but
//! `interrupted`) over an `interrupted` one, then a row that did not fail over one that did,
//! then the newest run id, then the later `finished_at`, then the larger line bytes — a total
//! order, so the choice never depends on the order the inputs were named in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use nbench_schema::Status;

use super::input::{Input, Line};
use crate::error::{Error, Result};
use crate::manifest::{Manifest, MergeInput, MergeRecord};
use crate::store::read::attempt_key;

/// What is missing from a merge.
#[derive(Debug, Clone, PartialEq)]
pub enum Missing {
    /// Attempts of a shard without a final row; `dir` is the shard's newest input, the one to
    /// resume.
    Attempts {
        shard: Option<String>,
        run_id: String,
        dir: PathBuf,
        planned: usize,
        ids: Vec<String>,
    },
    /// Shards no input was; `attempts` is how many attempts of the plan they hold together.
    Shards {
        indices: Vec<u32>,
        count: u32,
        attempts: usize,
        /// The command that runs one of them, `{index}` standing for its index.
        command: String,
    },
}

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

/// The ids an input was to measure: its shard's, or the whole plan's.
fn expected(i: &Input) -> BTreeSet<String> {
    match &i.manifest.shard {
        Some(s) => s.attempts.iter().cloned().collect(),
        None => (0..i.manifest.planned_attempts)
            .map(|n| format!("a{n:05}"))
            .filter(|id| !i.profiled.contains(id))
            .collect(),
    }
}

/// What is missing, the plan's attempt count, and how many attempts have no final row.
fn missing(inputs: &[Input], finals: &BTreeSet<&str>) -> (Vec<Missing>, usize, usize) {
    let mut out = Vec::new();
    let mut groups: BTreeMap<Option<u32>, Vec<&Input>> = BTreeMap::new();
    for i in inputs {
        groups
            .entry(i.manifest.shard.as_ref().map(|s| s.index))
            .or_default()
            .push(i);
    }
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut missing_n = 0;
    for group in groups.values() {
        let want: BTreeSet<String> = group.iter().flat_map(|i| expected(i)).collect();
        let ids: Vec<String> = want
            .iter()
            .filter(|id| !finals.contains(id.as_str()))
            .cloned()
            .collect();
        covered.extend(want.iter().cloned());
        if ids.is_empty() {
            continue;
        }
        missing_n += ids.len();
        // The newest run of the shard is the one to resume.
        let newest = group
            .iter()
            .max_by_key(|i| &i.manifest.run_id)
            .unwrap_or(&group[0]);
        out.push(Missing::Attempts {
            shard: newest.manifest.shard.as_ref().map(|s| s.label()),
            run_id: newest.manifest.run_id.clone(),
            dir: newest.dir.clone(),
            planned: want.len(),
            ids,
        });
    }
    let sharded = inputs
        .iter()
        .find_map(|i| i.manifest.shard.as_ref().map(|s| (i, s)));
    let plan_attempts = sharded.map_or(covered.len(), |(_, s)| s.plan_attempts.max(covered.len()));
    if let Some((first, s)) = sharded {
        let absent: Vec<u32> = (0..s.count)
            .filter(|ix| !groups.contains_key(&Some(*ix)))
            .collect();
        let uncovered = plan_attempts - covered.len();
        if !absent.is_empty() && uncovered > 0 {
            missing_n += uncovered;
            out.push(Missing::Shards {
                indices: absent,
                count: s.count,
                attempts: uncovered,
                command: shard_command(&first.manifest.command_line, s.strategy.name(), s.count),
            });
        }
    }
    (out, plan_attempts, missing_n)
}

/// A shard's recorded command line with its `--shard` made explicit (`hash:{index}/N`, the
/// index left as `{index}`) and `--shard-count` dropped, shell-quoted.
fn shard_command(argv: &[String], strategy: &str, count: u32) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--shard" | "--shard-count" => {
                it.next();
            }
            s if s.starts_with("--shard=") || s.starts_with("--shard-count=") => {}
            _ => out.push(a.clone()),
        }
        if a == "--shard" || a.starts_with("--shard=") {
            out.push("--shard".into());
            out.push(format!("{strategy}:{{index}}/{count}"));
        }
    }
    out.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

fn quote(w: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=,@%+{}".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
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
    fn a_missing_shard_command_names_its_strategy_explicitly() {
        let argv: Vec<String> = [
            "nbench",
            "run",
            "--match",
            "vec.*",
            "--shard",
            "auto",
            "--shard-count=4",
            "--store",
            "/s t",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            shard_command(&argv, "hash", 4),
            "nbench run --match 'vec.*' --shard hash:{index}/4 --store '/s t'"
        );
        assert_eq!(plan_index("a00017"), 17);
        assert_eq!(plan_index("x"), usize::MAX);
    }
}
