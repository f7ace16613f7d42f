//! Providers (docs/providers.md): which frameworks can run a probe, on which platforms, and how their
//! worker is started. `native` is the Rust worker; `numpy` and `torch` run the Python worker
//! (`worker/python/nbench_py_worker.py`) under an interpreter resolved per provider and
//! platform.
//!
//! This module owns the provider names, their platforms, the interpreter and script
//! resolution and the per-run [`Foreign`] table the executor reads. It does not plan
//! attempts (the planner asks [`backends_for`]) and does not write instances ([`instances`]).

pub mod facts;
pub mod instances;
pub mod listing;
pub mod setup;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nbench_schema::params::canonical;

use crate::attempt::Attempt;
use crate::error::{Error, Result};

/// One provider: its name, the platforms it runs on, how it starts and what it implements. The
/// one table of providers: the planner, the listing, the interpreter resolution and the Python
/// worker (which is told its provider's platforms in each spec) all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    pub name: &'static str,
    /// Platforms its attempts may run on; for a foreign provider its attempts' backend is its
    /// name on each of them.
    pub platforms: &'static [&'static str],
    /// Whether it runs through the Python worker (else the native worker).
    pub foreign: bool,
    /// The Python module whose import makes it available (foreign providers).
    pub module: Option<&'static str>,
    /// What it implements, for `nbench list` and the docs.
    pub implements: &'static str,
}

/// Every provider nbench knows, `native` first.
pub const TABLE: [Provider; 3] = [
    Provider {
        name: "native",
        platforms: &["cpu", "cuda"],
        foreign: false,
        module: None,
        implements: "every probe, each with its own backends",
    },
    Provider {
        name: "numpy",
        platforms: &["cpu"],
        foreign: true,
        module: Some("numpy"),
        implements: "vec, space, linop, semiring, graph, tensor (SciPy for sparse linop)",
    },
    Provider {
        name: "torch",
        platforms: &["cpu", "cuda"],
        foreign: true,
        module: Some("torch"),
        implements: "vec, semiring, graph, tensor",
    },
];

/// Every provider name, `native` first.
pub const PROVIDERS: [&str; 3] = [TABLE[0].name, TABLE[1].name, TABLE[2].name];

/// The Python worker's file name under `worker/python/`.
pub const PY_WORKER: &str = "nbench_py_worker.py";

/// The provider called `name`.
pub fn find(name: &str) -> Option<&'static Provider> {
    TABLE.iter().find(|p| p.name == name)
}

/// The platforms a foreign provider runs on; its attempts' backend is the provider's name.
pub fn platforms(provider: &str) -> &'static [&'static str] {
    find(provider)
        .filter(|p| p.foreign)
        .map_or(&[], |p| p.platforms)
}

/// Whether `provider` runs through the Python worker.
pub fn is_foreign(provider: &str) -> bool {
    find(provider).is_none_or(|p| p.foreign)
}

/// Splits commas, checks every name, removes repeats; empty means `native`.
pub fn parse(list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for name in list.iter().flat_map(|s| s.split(',')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        if !PROVIDERS.contains(&name) {
            return Err(Error::bad(format!(
                "unknown provider `{name}`; valid providers: {}",
                PROVIDERS.join(", ")
            )));
        }
        if !out.iter().any(|p| p == name) {
            out.push(name.to_string());
        }
    }
    if out.is_empty() {
        out.push("native".to_string());
    }
    Ok(out)
}

/// `(backend, platform)` pairs a provider contributes for one probe: the probe's own
/// (already filtered) backends for `native`, else the provider itself on each of its platforms
/// the run asked for.
pub fn backends_for(
    provider: &str,
    native: &[(String, String)],
    run_platforms: &[String],
) -> Vec<(String, String)> {
    if !is_foreign(provider) {
        return native.to_vec();
    }
    platforms(provider)
        .iter()
        .filter(|p| run_platforms.iter().any(|r| r == *p))
        .map(|p| (provider.to_string(), p.to_string()))
        .collect()
}

/// The interpreter for `provider` on `platform`, and what chose it:
/// `NBENCH_PYTHON_<PROVIDER>_<PLATFORM>`, `NBENCH_PYTHON_<PROVIDER>`, `NBENCH_PYTHON`, then the
/// project's reference environment (`results/venv`, which `scripts/py-env.sh` and the test
/// command build) under the working directory or a directory above the nbench executable,
/// then `python3` on PATH.
pub fn interpreter(provider: &str, platform: &str) -> (PathBuf, String) {
    let p = provider.to_uppercase();
    let names = [
        format!("NBENCH_PYTHON_{p}_{}", platform.to_uppercase()),
        format!("NBENCH_PYTHON_{p}"),
        "NBENCH_PYTHON".to_string(),
    ];
    for name in names {
        if let Some(v) = std::env::var_os(&name).filter(|v| !v.is_empty()) {
            return (PathBuf::from(v), name);
        }
    }
    if let Some(venv) = reference_env() {
        return (venv, format!("the reference environment {REFERENCE_ENV}"));
    }
    (PathBuf::from("python3"), "default".to_string())
}

/// Where `scripts/py-env.sh` builds the pinned reference environment, relative to the project.
pub const REFERENCE_ENV: &str = "results/venv";

/// The reference environment's interpreter, if one is built: under the working directory, else
/// under a directory above the nbench executable (a `target/<profile>` build finds its tree's).
fn reference_env() -> Option<PathBuf> {
    let python = |root: &Path| {
        let p = root.join(REFERENCE_ENV).join("bin").join("python");
        p.is_file().then_some(p)
    };
    if let Some(p) = std::env::current_dir().ok().as_deref().and_then(python) {
        return Some(p);
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors().skip(1).find_map(python)
}

/// The Python worker script: `NBENCH_PY_WORKER`, else `worker/python/<script>` in the nbench
/// executable's directory or any directory above it (a `target/<profile>` build finds the
/// source tree's copy), else the copy in the source tree the binary was built from.
pub fn script() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("NBENCH_PY_WORKER").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::Worker(format!(
                "the python worker {} (from NBENCH_PY_WORKER) does not exist",
                p.display()
            )))
        };
    }
    let me = std::env::current_exe().map_err(|e| {
        Error::Worker(format!(
            "cannot locate the nbench executable to find the python worker: {e}"
        ))
    })?;
    let mut dir = me.parent();
    while let Some(d) = dir {
        let cand = d.join("worker").join("python").join(PY_WORKER);
        if cand.is_file() {
            return Ok(cand);
        }
        dir = d.parent();
    }
    // A build with CARGO_TARGET_DIR outside the source tree still finds the tree it was built from.
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("worker")
        .join("python")
        .join(PY_WORKER);
    if built_from.is_file() {
        return Ok(built_from);
    }
    Err(Error::Worker(format!(
        "cannot find the python worker worker/python/{PY_WORKER} above {}; set NBENCH_PY_WORKER",
        me.display()
    )))
}

/// The key of one instance (`docs/architecture.md`, "Glossary"): `(probe, canonical params,
/// seed)`.
pub fn instance_key(probe: &str, params: &nbench_schema::Params, seed: u64) -> String {
    format!("{probe}\u{0}{}\u{0}{seed}", canonical(params))
}

/// How one foreign `(provider, platform)` is started.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    pub interpreter: PathBuf,
    /// The variable that chose the interpreter (for messages and the manifest).
    pub via: String,
    pub script: PathBuf,
}

/// What the executor needs for a run's foreign attempts.
#[derive(Debug, Clone, Default)]
pub struct Foreign {
    /// By `(provider, platform)`.
    pub launches: BTreeMap<(String, String), Launch>,
    /// Instance directory by [`instance_key`].
    pub instances: BTreeMap<String, PathBuf>,
}

impl Foreign {
    /// Resolves the launch of every foreign `(provider, platform)` in `plan`.
    pub fn for_plan(plan: &[Attempt]) -> Result<Foreign> {
        let mut f = Foreign::default();
        for a in plan.iter().filter(|a| is_foreign(&a.provider)) {
            let key = (a.provider.clone(), a.platform.clone());
            if let std::collections::btree_map::Entry::Vacant(slot) = f.launches.entry(key) {
                let (interpreter, via) = interpreter(&a.provider, &a.platform);
                slot.insert(Launch {
                    interpreter,
                    via,
                    script: script()?,
                });
            }
        }
        Ok(f)
    }

    /// The program and arguments for `a`, when it is foreign.
    pub fn command(&self, a: &Attempt) -> Option<(PathBuf, Vec<String>)> {
        let l = self
            .launches
            .get(&(a.provider.clone(), a.platform.clone()))?;
        Some((l.interpreter.clone(), vec![l.script.display().to_string()]))
    }

    /// The instance directory of `a`'s point, when one was materialised.
    pub fn instance(&self, a: &Attempt) -> Option<&Path> {
        self.instances
            .get(&instance_key(&a.probe, &a.params, a.seed))
            .map(PathBuf::as_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_dedups_defaults_and_names_valid_providers() {
        let got = parse(&["native,numpy".into(), "numpy".into(), "torch".into()]);
        assert_eq!(
            got.ok(),
            Some(vec!["native".into(), "numpy".into(), "torch".into()])
        );
        assert_eq!(parse(&[]).ok(), Some(vec!["native".to_string()]));
        let err = parse(&["pandas".into()]).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown provider `pandas`; valid providers: native, numpy, torch"
        );
    }

    #[test]
    fn each_provider_brings_its_own_backends() {
        let native = vec![("avx2".to_string(), "cpu".to_string())];
        let cpu = vec!["cpu".to_string()];
        let both = vec!["cpu".to_string(), "cuda".to_string()];
        assert_eq!(backends_for("native", &native, &cpu), native);
        assert_eq!(
            backends_for("numpy", &native, &both),
            vec![("numpy".to_string(), "cpu".to_string())]
        );
        assert_eq!(
            backends_for("torch", &native, &both),
            vec![
                ("torch".to_string(), "cpu".to_string()),
                ("torch".to_string(), "cuda".to_string())
            ]
        );
        assert!(backends_for("torch", &native, &["cuda".to_string()]).len() == 1);
    }
}
