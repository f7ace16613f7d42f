//! Several workers in one run: which workers a run has (`--worker`, repeatable; else
//! `nbench.toml` `[run] workers`; else the built-in one), each a path or a command line, and
//! the one catalogue merged from theirs, knowing which worker provides each probe.
//!
//! Decision (documented in `docs/your-own-probes.md`): `--worker` *replaces* the workers of the
//! config file and the built-in default; the value `builtin` names the built-in worker, so
//! `--worker builtin --worker ./my-worker` runs both. The same probe name from two workers is
//! an error naming both, and every declaration is checked here, whichever SDK wrote it. This
//! module asks each worker through [`Catalogue::from_argv`]; it does not plan or spawn attempts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::attempt::Attempt;
use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::locate;

/// The name that stands for the built-in worker among `--worker` values.
pub const BUILTIN: &str = "builtin";

/// One worker: the program and the arguments before the worker's own (`list`, or none to run
/// the spec on stdin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worker {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl Worker {
    /// The whole command line, as rows record it.
    pub fn argv(&self) -> Vec<String> {
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().cloned())
            .collect()
    }

    /// The command line as one string, for messages and `list`.
    pub fn label(&self) -> String {
        self.argv().join(" ")
    }

    /// What the worker says of its version (`nbench-worker 0.1.0`: the first line of its
    /// `--version`), for the plan id; `unknown` from a worker that does not answer, since not
    /// every worker implements `--version` and a plan must not fail for it.
    pub fn version(&self) -> String {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.args(&self.args).arg("--version");
        match crate::helper::run(cmd, None, VERSION_TIMEOUT, "a version line") {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            _ => "unknown".into(),
        }
    }
}

/// How long `--version` may take.
const VERSION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One entry of `[run] workers`: a path, or a command line as an array of words.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum WorkerEntry {
    Path(String),
    Argv(Vec<String>),
}

/// The run's workers: the flags when given, else the config file's, else the built-in one.
pub fn resolve(flags: &[String], file: &[WorkerEntry]) -> Result<Vec<Worker>> {
    if !flags.is_empty() {
        return flags.iter().map(|f| from_flag(f)).collect();
    }
    if !file.is_empty() {
        return file.iter().map(from_entry).collect();
    }
    Ok(vec![builtin()?])
}

fn builtin() -> Result<Worker> {
    Ok(Worker {
        program: locate::worker(None)?,
        args: Vec::new(),
    })
}

/// A `--worker` value: `builtin`, a path to an executable, or a command line (words separated
/// by spaces) whose first word is a path or a program on `PATH`.
fn from_flag(value: &str) -> Result<Worker> {
    if value == BUILTIN {
        return builtin();
    }
    let p = Path::new(value);
    if p.exists() || !value.contains(char::is_whitespace) {
        return Ok(Worker {
            program: locate::explicit(p, "--worker")?,
            args: Vec::new(),
        });
    }
    let words: Vec<String> = value.split_whitespace().map(str::to_string).collect();
    argv(&words, "--worker")
}

fn from_entry(e: &WorkerEntry) -> Result<Worker> {
    match e {
        WorkerEntry::Path(p) if p == BUILTIN => builtin(),
        WorkerEntry::Path(p) => Ok(Worker {
            program: locate::explicit(Path::new(p), "[run] workers")?,
            args: Vec::new(),
        }),
        WorkerEntry::Argv(words) => argv(words, "[run] workers"),
    }
}

fn argv(words: &[String], via: &str) -> Result<Worker> {
    let Some((first, rest)) = words.split_first() else {
        return Err(Error::bad(format!(
            "an empty worker command line in {via}; give a path or a program and its arguments"
        )));
    };
    let program = if first.contains('/') {
        locate::explicit(Path::new(first), via)?
    } else {
        on_path(first).ok_or_else(|| {
            Error::Worker(format!(
                "the program `{first}` of worker `{}` (from {via}) is not on PATH",
                words.join(" ")
            ))
        })?
    };
    Ok(Worker {
        program,
        args: rest.to_vec(),
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|c| locate::is_executable(c))
}

/// The merged catalogue of several workers.
#[derive(Debug, Clone)]
pub struct Workers {
    pub workers: Vec<Worker>,
    /// Every worker's probes, sorted by name.
    pub catalogue: Catalogue,
    /// Which worker (index into `workers`) provides each probe.
    pub provider: BTreeMap<String, usize>,
}

impl Workers {
    /// Asks every worker for its catalogue and merges them. A worker that cannot be run or
    /// does not print a catalogue, a wrong declaration, and a probe two workers both offer are
    /// errors naming the worker(s) and the probe.
    pub fn load(workers: Vec<Worker>) -> Result<Workers> {
        let mut probes = Vec::new();
        let mut provider: BTreeMap<String, usize> = BTreeMap::new();
        for (i, w) in workers.iter().enumerate() {
            let cat = Catalogue::from_argv(&w.program, &w.args).map_err(|e| match e {
                // A stop while asking is the user's, not the worker's fault.
                Error::Interrupted => Error::Interrupted,
                e => Error::Worker(format!(
                    "{e} (expected a worker: a program that prints its probe catalogue as a \
                     json array for `{} list`, such as nbench-worker, a binary built on \
                     nbench_worker::serve, or `python3 -m nbench_py serve MODULE`)",
                    w.label()
                )),
            })?;
            for info in cat.probes {
                info.check()
                    .map_err(|e| Error::Worker(format!("worker {}: {e}", w.label())))?;
                if let Some(&j) = provider.get(&info.name) {
                    return Err(Error::Worker(format!(
                        "probe `{}` is offered by two workers, {} and {}; a probe name must be \
                         unique across a run's workers",
                        info.name,
                        workers[j].label(),
                        w.label()
                    )));
                }
                provider.insert(info.name.clone(), i);
                probes.push(info);
            }
        }
        probes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Workers {
            workers,
            catalogue: Catalogue { probes },
            provider,
        })
    }

    /// The worker that provides `probe`.
    pub fn of(&self, probe: &str) -> Option<&Worker> {
        self.provider.get(probe).map(|&i| &self.workers[i])
    }

    /// Points every attempt at the worker that provides its probe.
    pub fn assign(&self, plan: &mut [Attempt]) {
        for a in plan {
            if let Some(w) = self.of(&a.probe) {
                a.worker = Some(w.program.clone());
                a.worker_args = w.args.clone();
            }
        }
    }

    /// The worker whose binary stands for the run (git provenance, instance materialisation,
    /// GPU discovery): the first given as a path, else the first.
    pub fn primary(&self) -> &Worker {
        self.workers
            .iter()
            .find(|w| w.args.is_empty())
            .unwrap_or(&self.workers[0])
    }

    /// How the manifest names the run's workers.
    pub fn label(&self) -> String {
        let labels: Vec<String> = self.workers.iter().map(Worker::label).collect();
        labels.join(" + ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_with_spaces_is_a_command_line_and_the_program_must_exist() {
        let w = from_flag("sh -c true").expect("sh is on PATH");
        assert!(w.program.ends_with("sh"));
        assert_eq!(w.args, ["-c", "true"]);
        let e = from_flag("no-such-program-xyz serve m").expect_err("missing");
        assert!(e.to_string().contains("`no-such-program-xyz`"), "{e}");
        let e = from_flag("/no/such/worker").expect_err("missing");
        assert!(e.to_string().contains("/no/such/worker"), "{e}");
    }

    #[test]
    fn config_entries_are_paths_or_argv() {
        #[derive(Deserialize)]
        struct T {
            workers: Vec<WorkerEntry>,
        }
        let t: T = toml::from_str(r#"workers = ["/bin/sh", ["sh", "-c", "x"]]"#).expect("toml");
        assert_eq!(t.workers[0], WorkerEntry::Path("/bin/sh".into()));
        let w = from_entry(&t.workers[1]).expect("sh");
        assert_eq!(w.args, ["-c", "x"]);
    }
}
