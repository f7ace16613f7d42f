//! What a merge lacks: per shard, the attempts it was to measure that have no final row in any
//! input (and the shard run to resume), and the shards no input was (with the command line that
//! runs each). Computed from the inputs' shard records alone; it prints nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::input::Input;

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
pub fn missing(inputs: &[Input], finals: &BTreeSet<&str>) -> (Vec<Missing>, usize, usize) {
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
    }
}
