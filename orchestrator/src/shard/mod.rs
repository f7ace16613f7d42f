//! Sharding: one plan split over N hosts by whole points, so that every seed, backend, provider
//! and platform of a point — all the rows a within-point ratio or a gate verdict pairs — is
//! measured on one host. This module owns the `--shard` syntax ([`parse`]), the choice of index
//! and count ([`choose`]; [`engines`] reads them from a batch system for `auto`), and which
//! attempts a shard keeps ([`select`], over the strategies in [`assign`]; [`balance`] reads the
//! weights of `--balance-from`). It plans nothing and runs nothing: the plan is made in full
//! first and a shard is a subset of it with every attempt id unchanged, so the shards of one
//! plan merge back into it (`nbench merge`).

pub mod assign;
pub mod balance;
pub mod engines;

use std::collections::BTreeMap;

use nbench_schema::params::canonical;
use serde::{Deserialize, Serialize};

use crate::attempt::Attempt;
use crate::error::{Error, Result};

/// What `--shard` accepts, for every message that refuses a value.
pub const FORMS: &str = "hash:M/N, slice:M/N, M/N or auto, with M 0-based (0 ≤ M < N)";

/// How points are dealt to shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// xxh3 of the point key, mod N: a point stays in its shard when others are added or removed.
    Hash,
    /// Round-robin over the plan's points by count, or longest-processing-time bins over a
    /// previous run's wall times (`--balance-from`).
    Slice,
}

impl Strategy {
    /// The name `--shard` and the manifest use.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Hash => "hash",
            Strategy::Slice => "slice",
        }
    }
}

/// A parsed `--shard` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `hash:M/N`, `slice:M/N`, or `M/N` (strategy `None`: the default).
    Fixed {
        strategy: Option<Strategy>,
        index: u32,
        count: u32,
    },
    /// `auto`: index and count from the batch system's variables.
    Auto,
}

/// The shard this process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub strategy: Strategy,
    pub index: u32,
    pub count: u32,
    /// The batch system `auto` found (`slurm`, `kubernetes`, `gitlab`, `generic`).
    pub engine: Option<&'static str>,
}

/// Parses `--shard`; every bad value is refused naming the valid forms.
pub fn parse(text: &str) -> Result<Request> {
    let t = text.trim();
    if t == "auto" {
        return Ok(Request::Auto);
    }
    let bad = |why: &str| Error::bad(format!("--shard {text}: {why}; valid forms: {FORMS}"));
    let (strategy, pos) = match t.split_once(':') {
        Some(("hash", p)) => (Some(Strategy::Hash), p),
        Some(("slice", p)) => (Some(Strategy::Slice), p),
        Some((s, _)) => return Err(bad(&format!("unknown strategy `{s}`"))),
        None => (None, t),
    };
    let (m, n) = pos.split_once('/').ok_or_else(|| bad("expected M/N"))?;
    let index: u32 = m
        .trim()
        .parse()
        .map_err(|_| bad(&format!("`{m}` is not a shard index")))?;
    let count: u32 = n
        .trim()
        .parse()
        .map_err(|_| bad(&format!("`{n}` is not a shard count")))?;
    if count == 0 {
        return Err(bad("the shard count must be at least 1"));
    }
    if index >= count {
        return Err(bad(&format!(
            "the index {index} is not below the count {count} (indices are 0-based)"
        )));
    }
    Ok(Request::Fixed {
        strategy,
        index,
        count,
    })
}

/// The shard to run: `--shard` parsed, `auto` resolved through `env`, and the strategy fixed
/// (`M/N` and `auto` mean hash, or slice when the run balances from a previous one; an
/// explicit hash cannot balance). `shard_count` is `--shard-count`, which only `auto` takes.
pub fn choose(
    spec: &str,
    shard_count: Option<u32>,
    balance: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Chosen> {
    let default = if balance {
        Strategy::Slice
    } else {
        Strategy::Hash
    };
    match parse(spec)? {
        Request::Fixed { .. } if shard_count.is_some() => Err(Error::bad(format!(
            "--shard-count goes only with --shard auto (it gives the count a Kubernetes Indexed Job does not); --shard {spec} names its count itself"
        ))),
        Request::Fixed {
            strategy: Some(Strategy::Hash),
            ..
        } if balance => Err(Error::bad(format!(
            "--balance-from needs --shard slice:M/N, M/N or auto: hash shards do not balance by time; valid forms: {FORMS}"
        ))),
        Request::Fixed {
            strategy,
            index,
            count,
        } => Ok(Chosen {
            strategy: strategy.unwrap_or(default),
            index,
            count,
            engine: None,
        }),
        Request::Auto => {
            let found = engines::detect(&env, shard_count)?;
            Ok(Chosen {
                strategy: default,
                index: found.index,
                count: found.count,
                engine: Some(found.engine),
            })
        }
    }
}

/// A point's identity for sharding: probe and canonical parameters. Nothing positional, so a
/// point's hash shard does not move when other probes are added or removed.
pub fn point_key(a: &Attempt) -> String {
    key(&a.probe, &a.params)
}

/// [`point_key`] of a probe and its parameters (a row's, say).
pub fn key(probe: &str, params: &nbench_schema::Params) -> String {
    format!("{probe}|{}", canonical(params))
}

/// The plan's points, in the order they first appear.
pub fn points(plan: &[Attempt]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    plan.iter()
        .map(point_key)
        .filter(|k| seen.insert(k.clone()))
        .collect()
}

/// One shard of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Sharded {
    /// The shard's attempts, in plan order, ids unchanged.
    pub attempts: Vec<Attempt>,
    pub plan_attempts: usize,
    pub plan_points: usize,
    pub points: usize,
}

/// The attempts of `plan` in shard `chosen`. `weights` (point key → seconds) makes a slice
/// shard balanced; a point it lacks weighs the mean of those it has.
pub fn select(
    plan: Vec<Attempt>,
    chosen: &Chosen,
    weights: Option<&BTreeMap<String, f64>>,
) -> Sharded {
    let keys = points(&plan);
    let bins = match (chosen.strategy, weights) {
        (Strategy::Hash, _) => assign::by_hash(&keys, chosen.count),
        (Strategy::Slice, None) => assign::by_count(keys.len(), chosen.count),
        (Strategy::Slice, Some(w)) => assign::by_weight(&assign::fill(&keys, w), chosen.count),
    };
    let mine: std::collections::HashSet<&String> = keys
        .iter()
        .zip(&bins)
        .filter(|(_, b)| **b == chosen.index)
        .map(|(k, _)| k)
        .collect();
    let plan_attempts = plan.len();
    let attempts: Vec<Attempt> = plan
        .into_iter()
        .filter(|a| mine.contains(&point_key(a)))
        .collect();
    Sharded {
        attempts,
        plan_attempts,
        plan_points: keys.len(),
        points: mine.len(),
    }
}

/// The `--dry-run` header of a shard: `shard M/N (strategy): K of T attempts, P of Q points`.
pub fn header(chosen: &Chosen, s: &Sharded, balanced_from: Option<&str>) -> String {
    let how = match balanced_from {
        Some(run) => format!(
            "{}, balanced by the wall times of {run}",
            chosen.strategy.name()
        ),
        None => chosen.strategy.name().to_string(),
    };
    format!(
        "shard {}/{} ({how}): {} of {} attempts, {} of {} points",
        chosen.index,
        chosen.count,
        s.attempts.len(),
        s.plan_attempts,
        s.points,
        s.plan_points
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_forms_parse() {
        assert_eq!(
            parse("hash:1/4").unwrap(),
            Request::Fixed {
                strategy: Some(Strategy::Hash),
                index: 1,
                count: 4
            }
        );
        assert_eq!(
            parse("slice:0/1").unwrap(),
            Request::Fixed {
                strategy: Some(Strategy::Slice),
                index: 0,
                count: 1
            }
        );
        assert_eq!(
            parse("2/3").unwrap(),
            Request::Fixed {
                strategy: None,
                index: 2,
                count: 3
            }
        );
        assert_eq!(parse("auto").unwrap(), Request::Auto);
    }

    #[test]
    fn bad_forms_are_refused_naming_the_valid_ones() {
        for bad in [
            "3/2",
            "0/0",
            "hash:1/0",
            "zigzag:0/2",
            "1",
            "a/b",
            "-1/2",
            "",
            "hash:",
            "1/2/3",
        ] {
            let e = parse(bad).expect_err(bad).to_string();
            assert!(e.contains(FORMS), "{bad}: {e}");
            assert!(e.starts_with("--shard"), "{bad}: {e}");
        }
        assert!(
            parse("zigzag:0/2")
                .unwrap_err()
                .to_string()
                .contains("`zigzag`")
        );
        assert!(parse("3/2").unwrap_err().to_string().contains("0-based"));
    }

    #[test]
    fn the_strategy_follows_balancing() {
        let c = choose("1/2", None, false, no_env).unwrap();
        assert_eq!(c.strategy, Strategy::Hash);
        let c = choose("1/2", None, true, no_env).unwrap();
        assert_eq!(c.strategy, Strategy::Slice);
        let e = choose("hash:1/2", None, true, no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--balance-from") && e.contains(FORMS), "{e}");
        let e = choose("hash:1/2", Some(2), false, no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--shard-count"), "{e}");
        let env = |k: &str| {
            (k == "SLURM_ARRAY_TASK_ID"
                || k == "SLURM_ARRAY_TASK_MIN"
                || k == "SLURM_ARRAY_TASK_COUNT")
                .then(|| {
                    if k == "SLURM_ARRAY_TASK_COUNT" {
                        "2".to_string()
                    } else {
                        "1".to_string()
                    }
                })
        };
        let c = choose("auto", None, true, env).unwrap();
        assert_eq!(
            (c.strategy, c.index, c.count, c.engine),
            (Strategy::Slice, 0, 2, Some("slurm"))
        );
    }
}
