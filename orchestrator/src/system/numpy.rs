//! The NumPy checks: which BLAS NumPy runs on, which kernel it chose and how many threads it
//! will use under nbench's thread variables (asked of the resolved numpy interpreter by a
//! helper process with a deadline), and the environment variables that force BLAS or NumPy
//! onto slower code paths. It never imports NumPy into nbench and never installs anything.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::{Check, Context, Level};
use crate::helper;
use crate::sys::THREAD_VARS;

/// The helper gets this long to import NumPy and answer.
const HELPER_DEADLINE: Duration = Duration::from_secs(20);

/// Asked of the interpreter: one JSON object on stdout. OpenBLAS is asked directly through
/// ctypes (threadpoolctl when installed) after one product has loaded it; the symbol names
/// cover plain OpenBLAS and the `scipy_openblas…64_` build NumPy's wheels bundle.
const HELPER: &str = r#"
import json, sys
d = {"python": sys.version.split()[0]}
try:
    import numpy as np
except Exception as e:
    d["numpy_error"] = type(e).__name__ + ": " + str(e)
    print(json.dumps(d)); sys.exit(0)
d["numpy"] = np.__version__
try:
    b = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    d["blas"] = {k: b.get(k) for k in ("name", "version", "openblas configuration")}
except Exception as e:
    d["blas_error"] = type(e).__name__ + ": " + str(e)
np.ones((4, 4)) @ np.ones((4, 4))
try:
    import threadpoolctl
    d["pools"] = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
                  for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
except ImportError:
    import ctypes
    paths = sorted({l.split()[-1] for l in open("/proc/self/maps")
                    if "openblas" in l.rsplit("/", 1)[-1].lower() and "/" in l})
    pools = []
    for p in paths:
        lib = ctypes.CDLL(p)
        def fn(base):
            for name in ("openblas_" + base, "openblas_" + base + "64_", "scipy_openblas_" + base + "64_"):
                if hasattr(lib, name):
                    return getattr(lib, name)
        n, core = fn("get_num_threads"), fn("get_corename")
        pool = {"internal_api": "openblas", "filepath": p}
        if n is not None:
            n.restype = ctypes.c_int
            pool["num_threads"] = n()
        if core is not None:
            core.restype = ctypes.c_char_p
            pool["architecture"] = core().decode()
        pools.append(pool)
    d["pools"] = pools
print(json.dumps(d))
"#;

const BLAS_WHY: &str = "NumPy's matrix products run in its BLAS, so the BLAS, the CPU kernel it \
    chose and its thread count decide the numpy provider's timings as much as NumPy does; nbench \
    sets OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS to each slot's CPU count, \
    and a BLAS that ignores them oversubscribes the slot";

/// NumPy's BLAS, its kernel and its thread count under a slot's thread variables.
pub fn blas(ctx: &Context, python: &(PathBuf, String)) -> Check {
    let id = "numpy.blas";
    let (interp, via) = python;
    let slot = ctx.groups.first().map_or(1, Vec::len).max(1);
    let env: Vec<(String, String)> = THREAD_VARS
        .iter()
        .map(|k| (k.to_string(), slot.to_string()))
        .collect();
    let fix_env = "bash scripts/py-env.sh && export NBENCH_PYTHON=$PWD/results/venv/bin/python";
    let answer = match ask(interp, &env, HELPER_DEADLINE) {
        Ok(v) => v,
        Err(why) => {
            return Check::new(
                id,
                Level::Unknown,
                format!("numpy unavailable: {why} (interpreter via {via})"),
                BLAS_WHY,
            )
            .fix(fix_env);
        }
    };
    let text = |k: &str| answer.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let Some(numpy) = text("numpy") else {
        let err = text("numpy_error").unwrap_or_else(|| "not importable".into());
        return Check::new(
            id,
            Level::Unknown,
            format!(
                "numpy unavailable: {} cannot import numpy ({err}) (interpreter via {via})",
                interp.display()
            ),
            BLAS_WHY,
        )
        .fix(fix_env);
    };
    let blas = answer.get("blas");
    let field = |k: &str| blas.and_then(|b| b.get(k)).and_then(|v| v.as_str());
    let name = field("name").unwrap_or("unknown BLAS");
    let version = field("version")
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let pools = answer
        .get("pools")
        .and_then(|p| p.as_array())
        .cloned()
        .unwrap_or_default();
    let mut found = format!("numpy {numpy} on {name}{version}");
    let mut ignored = Vec::new();
    for p in &pools {
        let api = p
            .get("internal_api")
            .and_then(|v| v.as_str())
            .unwrap_or("blas");
        let arch = p.get("architecture").and_then(|v| v.as_str());
        let threads = p.get("num_threads").and_then(|v| v.as_u64());
        found.push_str(&format!(", {api}"));
        if let Some(a) = arch {
            found.push_str(&format!(" kernel {a}"));
        }
        if let Some(t) = threads {
            found.push_str(&format!(", {t} thread{}", if t == 1 { "" } else { "s" }));
            if t != slot as u64 {
                ignored.push(format!("{api} uses {t}"));
            }
        }
    }
    if pools.is_empty() {
        found
            .push_str(" (its thread pool could not be read: no OpenBLAS loaded, no threadpoolctl)");
    }
    found.push_str(&format!(
        " with the thread variables at {slot} (a slot's CPUs); {} via {via}",
        interp.display()
    ));
    let reference = ["blas", "cblas", "lapack lite", "lapack_lite"];
    if !ignored.is_empty() {
        found.push_str(&format!("; ignores them: {}", ignored.join(", ")));
        return Check::new(id, Level::Warn, found, BLAS_WHY);
    }
    if reference.contains(&name.to_lowercase().as_str()) {
        found.push_str("; a reference BLAS, not an optimised one");
        return Check::new(id, Level::Warn, found, BLAS_WHY);
    }
    Check::new(id, Level::Info, found, BLAS_WHY)
}

/// Variables that make OpenBLAS, MKL or NumPy itself use other (usually slower) kernels.
pub const FORCING_VARS: [(&str, &str); 4] = [
    (
        "OPENBLAS_CORETYPE",
        "forces OpenBLAS's kernels for that CPU type instead of this CPU's",
    ),
    (
        "OPENBLAS_L2_SIZE",
        "overrides the L2 size OpenBLAS blocks its kernels for",
    ),
    (
        "MKL_ENABLE_INSTRUCTIONS",
        "caps the instruction set MKL dispatches to",
    ),
    (
        "NPY_DISABLE_CPU_FEATURES",
        "turns off NumPy's own SIMD kernels for those features",
    ),
];

const ENV_WHY: &str = "these variables override what OpenBLAS, MKL and NumPy detect about the \
    CPU, typically selecting older, slower kernels; the workers inherit them from nbench";

/// The forcing variables nbench's environment (and so every worker's) holds.
pub fn env(ctx: &Context) -> Check {
    let id = "numpy.env";
    let set: Vec<(&str, &str, &String)> = FORCING_VARS
        .iter()
        .filter_map(|(k, what)| ctx.env.get(*k).map(|v| (*k, *what, v)))
        .collect();
    if set.is_empty() {
        let names: Vec<&str> = FORCING_VARS.iter().map(|(k, _)| *k).collect();
        return Check::new(
            id,
            Level::Ok,
            format!("none of {} is set", names.join(", ")),
            ENV_WHY,
        );
    }
    let found: Vec<String> = set
        .iter()
        .map(|(k, what, v)| format!("{k}={v} ({what})"))
        .collect();
    let names: Vec<&str> = set.iter().map(|(k, _, _)| *k).collect();
    Check::new(id, Level::Warn, found.join("; "), ENV_WHY).fix(format!("unset {}", names.join(" ")))
}

/// Runs `python -c HELPER` with `env` added; its JSON answer, or why there is none.
fn ask(
    python: &Path,
    env: &[(String, String)],
    deadline: Duration,
) -> Result<serde_json::Value, String> {
    let mut cmd = Command::new(python);
    cmd.args(["-c", HELPER]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let done = helper::run(cmd, None, deadline, "a JSON description of NumPy's BLAS")
        .map_err(|e| e.to_string())?;
    if !done.status.success() {
        return Err(format!(
            "the interpreter {} failed ({}): {}",
            python.display(),
            done.status,
            done.last_stderr_line()
        ));
    }
    serde_json::from_slice(&done.stdout).map_err(|e| {
        format!(
            "the interpreter {} answered something other than json: {e}",
            python.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::Fixture;
    use super::*;

    #[test]
    fn forcing_variables_warn_and_are_unset_by_the_fix() {
        let f = Fixture::new("npenv");
        let mut ctx = f.ctx(vec![vec![0]]);
        assert_eq!(env(&ctx).status, Level::Ok);
        ctx.env
            .insert("OPENBLAS_CORETYPE".into(), "Prescott".into());
        ctx.env.insert("OPENBLAS_L2_SIZE".into(), "262144".into());
        let c = env(&ctx);
        assert_eq!(c.status, Level::Warn);
        assert!(
            c.found.starts_with("OPENBLAS_CORETYPE=Prescott (forces"),
            "{}",
            c.found
        );
        assert_eq!(
            c.fix.as_deref(),
            Some("unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE")
        );
    }

    #[test]
    fn a_missing_interpreter_is_unknown_naming_it() {
        let f = Fixture::new("nopy");
        let py = (
            PathBuf::from("/nonexistent/python3"),
            "NBENCH_PYTHON".to_string(),
        );
        let c = blas(&f.ctx(vec![vec![0]]), &py);
        assert_eq!(c.status, Level::Unknown);
        assert!(
            c.found
                .starts_with("numpy unavailable: cannot run `/nonexistent/python3"),
            "{}",
            c.found
        );
    }
}
