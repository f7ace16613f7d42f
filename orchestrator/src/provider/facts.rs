//! What a provider's interpreter has: Python, NumPy and the BLAS behind it, SciPy, torch and
//! threadpoolctl's view of the thread pools — for `nbench list` (available or not, and why) and
//! the run manifest. This module only asks the interpreter; it never installs anything.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::interpreter;
use crate::helper::{self, HelperError};

/// Importing torch on a cold disk takes seconds; a minute means the interpreter is stuck.
const FACTS_DEADLINE: Duration = Duration::from_secs(60);

/// Asked of the interpreter: one JSON object on stdout; every import failure is recorded as
/// `<module>_error` rather than raised, so one probe answers every question.
const PROBE: &str = r#"
import json, sys
d = {"python": sys.version.split()[0], "executable": sys.executable}
def grab(name):
    try:
        return __import__(name)
    except Exception as e:
        d[name + "_error"] = type(e).__name__ + ": " + str(e)
np = grab("numpy")
if np is not None:
    d["numpy"] = np.__version__
    try:
        blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        d["blas"] = " ".join(str(blas.get(k)) for k in ("name", "version") if blas.get(k))
    except Exception as e:
        d["blas_error"] = type(e).__name__ + ": " + str(e)
for name in ("scipy", "torch"):
    m = grab(name)
    if m is not None:
        d[name] = m.__version__
try:
    import threadpoolctl
    d["threadpools"] = [{k: i.get(k) for k in ("internal_api", "version", "num_threads")}
                        for i in threadpoolctl.threadpool_info()]
except Exception:
    pass
print(json.dumps(d))
"#;

/// One `(provider, platform)`'s environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderFacts {
    pub provider: String,
    pub platform: String,
    /// The interpreter and the variable that chose it.
    pub interpreter: String,
    pub via: String,
    pub available: bool,
    /// Why not, when not available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the interpreter reported (`python`, `numpy`, `blas`, `scipy`, `torch`, …).
    #[serde(default)]
    pub versions: serde_json::Value,
}

/// Asks the interpreter `provider` would use on `platform`.
pub fn probe(provider: &str, platform: &str) -> ProviderFacts {
    let (python, via) = interpreter(provider, platform);
    let mut facts = ProviderFacts {
        provider: provider.to_string(),
        platform: platform.to_string(),
        interpreter: python.display().to_string(),
        via,
        available: false,
        reason: None,
        versions: serde_json::Value::Null,
    };
    match ask(&python) {
        Err(why) => facts.reason = Some(why),
        Ok(v) => {
            // The Python worker itself always needs NumPy; the provider's own module too.
            let framework = super::find(provider)
                .and_then(|p| p.module)
                .unwrap_or("numpy");
            if v.get(framework).is_some() && v.get("numpy").is_some() {
                facts.available = true;
            } else {
                let missing = if v.get("numpy").is_none() {
                    "numpy"
                } else {
                    framework
                };
                let err = v
                    .get(format!("{missing}_error"))
                    .and_then(|e| e.as_str())
                    .unwrap_or("not importable");
                facts.reason = Some(format!(
                    "{} cannot import {missing} ({err})",
                    python.display()
                ));
            }
            facts.versions = v;
        }
    }
    facts
}

fn ask(python: &Path) -> Result<serde_json::Value, String> {
    let mut cmd = Command::new(python);
    cmd.args(["-c", PROBE]);
    let out = helper::run(cmd, None, FACTS_DEADLINE, "one json object of versions").map_err(
        |e| match e {
            HelperError::Spawn { source, .. } => {
                format!("cannot run the interpreter {}: {source}", python.display())
            }
            other => other.to_string(),
        },
    )?;
    if !out.status.success() {
        return Err(format!(
            "the interpreter {} failed ({}): {}",
            python.display(),
            out.status,
            out.last_stderr_line()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "the interpreter {} answered something other than json: {e}",
            python.display()
        )
    })
}

/// One line for `nbench list`.
pub fn describe(f: &ProviderFacts) -> String {
    let v = |k: &str| {
        f.versions
            .get(k)
            .and_then(|x| x.as_str())
            .map(str::to_string)
    };
    if f.available {
        let mut parts = vec![format!("python {}", v("python").unwrap_or_default())];
        for k in ["numpy", "blas", "scipy", "torch"] {
            if let Some(x) = v(k) {
                parts.push(format!("{k} {x}"));
            }
        }
        format!(
            "available ({}; {} via {})",
            parts.join(", "),
            f.interpreter,
            f.via
        )
    } else {
        format!(
            "unavailable: {} (interpreter {} via {}; build one with `bash scripts/py-env.sh`, or set NBENCH_PYTHON)",
            f.reason.as_deref().unwrap_or("unknown"),
            f.interpreter,
            f.via
        )
    }
}
