//! `--shard auto`: the shard index and count a batch system gives a process, read through a
//! lookup function (the process environment in production, a map in tests). Each engine's
//! numbering is turned into nbench's 0-based index here and nowhere else:
//!
//! | engine | index | count |
//! |---|---|---|
//! | generic (GitHub Actions matrix, anything) | `NBENCH_SHARD_INDEX` (0-based) | `NBENCH_SHARD_COUNT` |
//! | Slurm job array | `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` | `SLURM_ARRAY_TASK_COUNT` |
//! | Kubernetes Indexed Job | `JOB_COMPLETION_INDEX` (0-based) | `--shard-count`, else `NBENCH_SHARD_COUNT` |
//! | GitLab `parallel:` | `CI_NODE_INDEX − 1` (1-based) | `CI_NODE_TOTAL` |
//!
//! The generic pair is looked at first, so it can override an engine's own. It reads no files
//! and never mutates the environment.

use crate::error::{Error, Result};

/// Every variable `auto` looks at, in the order it looks.
pub const VARIABLES: [&str; 8] = [
    "NBENCH_SHARD_INDEX",
    "NBENCH_SHARD_COUNT",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
];

/// What `auto` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub index: u32,
    pub count: u32,
    pub engine: &'static str,
}

/// The shard of this process from `env`; `count_flag` is `--shard-count`. Refuses (bad input)
/// when no engine's index is set, naming every variable looked for, and when an engine's
/// variables are incomplete, not numbers, or give an index outside the count.
pub fn detect(env: impl Fn(&str) -> Option<String>, count_flag: Option<u32>) -> Result<Found> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let num = |k: &str| -> Result<Option<i64>> {
        get(k)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| Error::bad(format!("--shard auto: {k}={v} is not a whole number")))
            })
            .transpose()
    };
    let need = |k: &str, engine: &str| -> Result<i64> {
        num(k)?.ok_or_else(|| {
            Error::bad(format!(
                "--shard auto: {engine} variables are incomplete: {k} is not set"
            ))
        })
    };
    let count_from = |k: &str, engine: &str| -> Result<i64> {
        match (num(k)?, count_flag) {
            (Some(n), Some(f)) if n != i64::from(f) => Err(Error::bad(format!(
                "--shard auto: {k}={n} but --shard-count {f}; give one of them"
            ))),
            (Some(n), _) => Ok(n),
            (None, Some(f)) => Ok(i64::from(f)),
            (None, None) => Err(Error::bad(format!(
                "--shard auto: {engine} gives the index but not the count: set {k} or pass --shard-count N"
            ))),
        }
    };
    let (engine, index, count, how) = if num("NBENCH_SHARD_INDEX")?.is_some() {
        let i = need("NBENCH_SHARD_INDEX", "generic")?;
        let n = count_from("NBENCH_SHARD_COUNT", "the generic pair")?;
        ("generic", i, n, "NBENCH_SHARD_INDEX (0-based)")
    } else if num("SLURM_ARRAY_TASK_ID")?.is_some() {
        let id = need("SLURM_ARRAY_TASK_ID", "Slurm")?;
        let min = need("SLURM_ARRAY_TASK_MIN", "Slurm")?;
        let n = count_from("SLURM_ARRAY_TASK_COUNT", "Slurm")?;
        (
            "slurm",
            id - min,
            n,
            "SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (an array with a step or gaps, such as --array=0-8:4, cannot shard by index: use --array=0-<N−1>)",
        )
    } else if num("JOB_COMPLETION_INDEX")?.is_some() {
        let i = need("JOB_COMPLETION_INDEX", "Kubernetes")?;
        let n = count_from("NBENCH_SHARD_COUNT", "a Kubernetes Indexed Job")?;
        ("kubernetes", i, n, "JOB_COMPLETION_INDEX (0-based)")
    } else if num("CI_NODE_INDEX")?.is_some() {
        let i = need("CI_NODE_INDEX", "GitLab")?;
        let n = count_from("CI_NODE_TOTAL", "GitLab")?;
        (
            "gitlab",
            i - 1,
            n,
            "CI_NODE_INDEX − 1 (CI_NODE_INDEX is 1-based)",
        )
    } else {
        return Err(Error::bad(format!(
            "--shard auto found no shard index in the environment; it looks for {} (or pass --shard hash:M/N)",
            VARIABLES.join(", ")
        )));
    };
    if count < 1 || count > i64::from(u32::MAX) {
        return Err(Error::bad(format!(
            "--shard auto ({engine}): the shard count {count} must be at least 1"
        )));
    }
    if index < 0 || index >= count {
        return Err(Error::bad(format!(
            "--shard auto ({engine}): the index {how} is {index}, not within 0..{count}"
        )));
    }
    Ok(Found {
        index: index as u32,
        count: count as u32,
        engine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn found(pairs: &[(&str, &str)], flag: Option<u32>) -> (u32, u32, &'static str) {
        let f = detect(env(pairs), flag).expect("found");
        (f.index, f.count, f.engine)
    }

    fn refused(pairs: &[(&str, &str)], flag: Option<u32>) -> String {
        detect(env(pairs), flag).expect_err("refused").to_string()
    }

    #[test]
    fn slurm_indices_start_at_the_array_minimum() {
        let s = [
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert_eq!(found(&s, None), (2, 3, "slurm"));
        let e = refused(
            &[
                ("SLURM_ARRAY_TASK_ID", "7"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            None,
        );
        assert!(e.contains("SLURM_ARRAY_TASK_MIN is not set"), "{e}");
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "8"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert!(refused(&stepped, None).contains("--array=0-8:4"));
    }

    #[test]
    fn kubernetes_takes_its_count_from_the_flag_or_the_variable() {
        assert_eq!(
            found(&[("JOB_COMPLETION_INDEX", "0")], Some(4)),
            (0, 4, "kubernetes")
        );
        assert_eq!(
            found(
                &[("JOB_COMPLETION_INDEX", "3"), ("NBENCH_SHARD_COUNT", "4")],
                None
            ),
            (3, 4, "kubernetes")
        );
        let e = refused(&[("JOB_COMPLETION_INDEX", "0")], None);
        assert!(
            e.contains("NBENCH_SHARD_COUNT") && e.contains("--shard-count"),
            "{e}"
        );
        let e = refused(
            &[("JOB_COMPLETION_INDEX", "0"), ("NBENCH_SHARD_COUNT", "4")],
            Some(3),
        );
        assert!(e.contains("--shard-count 3"), "{e}");
        assert!(refused(&[("JOB_COMPLETION_INDEX", "4")], Some(4)).contains("not within 0..4"));
    }

    #[test]
    fn gitlab_is_one_based() {
        assert_eq!(
            found(&[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "2")], None),
            (0, 2, "gitlab")
        );
        assert_eq!(
            found(&[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "2")], None),
            (1, 2, "gitlab")
        );
        assert!(
            refused(&[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "2")], None).contains("1-based")
        );
    }

    #[test]
    fn the_generic_pair_is_zero_based_and_comes_first() {
        let both = [
            ("NBENCH_SHARD_INDEX", "1"),
            ("NBENCH_SHARD_COUNT", "2"),
            ("CI_NODE_INDEX", "1"),
            ("CI_NODE_TOTAL", "5"),
        ];
        assert_eq!(found(&both, None), (1, 2, "generic"));
        assert!(
            refused(
                &[("NBENCH_SHARD_INDEX", "x"), ("NBENCH_SHARD_COUNT", "2")],
                None
            )
            .contains("NBENCH_SHARD_INDEX=x is not a whole number")
        );
    }

    #[test]
    fn nothing_set_names_every_variable() {
        let e = refused(&[("NBENCH_SHARD_COUNT", "2"), ("CI_NODE_INDEX", " ")], None);
        for v in VARIABLES {
            assert!(e.contains(v), "{v}: {e}");
        }
    }
}
