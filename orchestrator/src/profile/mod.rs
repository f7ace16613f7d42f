//! `nbench run --profile TOOL`: one extra attempt per point under a profiler, recorded apart
//! from the measured attempts. This module owns the profiler names and how each one wraps the
//! worker's command line ([`Profiler::wrapper`]), which extra attempts a plan gets
//! ([`extend_plan`]), and the per-run table the executor and `synth` read ([`Profiling`]):
//! the one place a worker's launch is changed for profiling. It does not check that a profiler
//! is usable ([`check`]) and does not run anything.

pub mod check;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use nbench_schema::params::canonical;

use crate::attempt::Attempt;
use crate::error::{Error, Result};

/// The preset names, as `--profile` takes them.
pub const PRESETS: [&str; 4] = ["perf-stat", "perf-record", "nsys", "ncu"];

/// Profiled attempts' artifacts go under `<run dir>/profile/<attempt id>/`.
pub const PROFILE_DIR: &str = "profile";

/// A profiler, as `--profile` named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profiler {
    /// The `--profile` value as given.
    pub spec: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    PerfStat,
    PerfRecord,
    Nsys,
    Ncu,
    /// `cmd:PROGRAM ARGS…`, split on whitespace; `{out}` stands for the artifact directory.
    Cmd(Vec<String>),
}

impl Profiler {
    /// Parses `--profile`; an unknown name is refused with the valid ones.
    pub fn parse(text: &str) -> Result<Profiler> {
        let spec = text.trim().to_string();
        let kind = match spec.as_str() {
            "perf-stat" => Kind::PerfStat,
            "perf-record" => Kind::PerfRecord,
            "nsys" => Kind::Nsys,
            "ncu" => Kind::Ncu,
            s => match s.strip_prefix("cmd:") {
                Some(cmd) => {
                    let words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
                    if words.is_empty() {
                        return Err(Error::bad(
                            "--profile cmd: needs a command, e.g. --profile 'cmd:valgrind --tool=massif --'",
                        ));
                    }
                    Kind::Cmd(words)
                }
                None => {
                    return Err(Error::bad(format!(
                        "unknown profiler `{s}`; valid: {}, or cmd:COMMAND… (e.g. 'cmd:valgrind --tool=massif --')",
                        PRESETS.join(", ")
                    )));
                }
            },
        };
        Ok(Profiler { spec, kind })
    }

    /// The program the wrapper starts (`perf`, `nsys`, `ncu`, or the command's first word).
    pub fn program(&self) -> &str {
        match &self.kind {
            Kind::PerfStat | Kind::PerfRecord => "perf",
            Kind::Nsys => "nsys",
            Kind::Ncu => "ncu",
            Kind::Cmd(words) => &words[0],
        }
    }

    /// Whether this is one of the `perf` presets (which need perf events to be permitted).
    pub fn is_perf(&self) -> bool {
        matches!(self.kind, Kind::PerfStat | Kind::PerfRecord)
    }

    /// The command line in front of the worker's for an attempt whose artifacts go to `dir`,
    /// and the artifact itself. Every profiler writes its report to a file in `dir` (never to
    /// stdout, which is the worker's protocol); a `cmd:` tool runs with `dir` as its working
    /// directory, so whatever it writes there (e.g. massif's `massif.out.<pid>`) is kept.
    pub fn wrapper(&self, dir: &Path) -> (Vec<String>, PathBuf) {
        let at = |name: &str| dir.join(name);
        let s = |p: PathBuf| p.display().to_string();
        let words = |w: &[&str]| w.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        match &self.kind {
            Kind::PerfStat => {
                let out = at("perf-stat.txt");
                let mut w = words(&["perf", "stat", "-o"]);
                w.extend([s(out.clone()), "--".into()]);
                (w, out)
            }
            Kind::PerfRecord => {
                let out = at("perf.data");
                let mut w = words(&["perf", "record", "-g", "-o"]);
                w.extend([s(out.clone()), "--".into()]);
                (w, out)
            }
            Kind::Nsys => {
                let mut w = words(&["nsys", "profile", "--force-overwrite=true", "-o"]);
                w.push(s(at("report")));
                (w, at("report.nsys-rep"))
            }
            Kind::Ncu => {
                let mut w = words(&["ncu", "--force-overwrite", "--log-file"]);
                w.extend([s(at("ncu.log")), "-o".into(), s(at("report"))]);
                (w, at("report.ncu-rep"))
            }
            Kind::Cmd(cmd) => {
                let d = s(dir.to_path_buf());
                let w = cmd.iter().map(|x| x.replace("{out}", &d)).collect();
                (w, dir.to_path_buf())
            }
        }
    }
}

/// Appends one profiled attempt per point (probe, params, backend, provider, platform, variant)
/// of `plan`, a copy of the point's first planned attempt, numbered after the measured ones;
/// returns their ids. They run after every measured attempt, so profiling never interleaves
/// with measurement.
pub fn extend_plan(plan: &mut Vec<Attempt>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let firsts: Vec<Attempt> = plan
        .iter()
        .filter(|a| {
            seen.insert((
                a.probe.clone(),
                canonical(&a.params),
                a.backend.clone(),
                a.provider.clone(),
                a.platform.clone(),
                a.variant.clone(),
            ))
        })
        .cloned()
        .collect();
    let mut ids = Vec::with_capacity(firsts.len());
    // After the plan's highest index, not its length: a shard's plan is a subset of a larger
    // one, and its profiled attempts must not take the id of another shard's attempt.
    let next = plan.iter().map(|a| a.index + 1).max().unwrap_or(0);
    for (index, mut a) in (next..).zip(firsts) {
        a.index = index;
        a.id = format!("a{:05}", a.index);
        ids.push(a.id.clone());
        plan.push(a);
    }
    ids
}

/// `nbench run --profile`: parses and checks the profiler (refusing, before anything runs, one
/// that is missing or not permitted), appends the profiled attempts to `plan`, and makes
/// `store_root` absolute, since a profiled worker runs in its artifact directory and the
/// instance paths in its spec must still resolve. `None` without `--profile`.
pub fn for_run(
    spec: Option<&str>,
    plan: &mut Vec<Attempt>,
    store_root: &mut PathBuf,
) -> Result<Option<(Profiler, Vec<String>)>> {
    let Some(spec) = spec else {
        return Ok(None);
    };
    let profiler = Profiler::parse(spec)?;
    check::usable(&profiler)?;
    *store_root = std::path::absolute(&*store_root).map_err(|source| Error::Unwritable {
        path: store_root.clone(),
        source,
    })?;
    let ids = extend_plan(plan);
    Ok(Some((profiler, ids)))
}

/// The end-of-run lines naming each profiled attempt, its status and its artifact (empty for a
/// run without `--profile`), in attempt order.
pub fn render_rows(rows: &[nbench_schema::Row], run_dir: &Path) -> String {
    let mut profiled: Vec<&nbench_schema::Row> =
        rows.iter().filter(|r| r.profile.is_some()).collect();
    if profiled.is_empty() {
        return String::new();
    }
    profiled.sort_by(|a, b| a.attempt_id.cmp(&b.attempt_id));
    let tool = profiled[0].profile.as_ref().map_or("", |p| p.tool.as_str());
    let n = profiled.len();
    let mut out = format!(
        "\nprofiled: {n} attempt{} under {tool}, kept out of the statistics above\n",
        if n == 1 { "" } else { "s" }
    );
    for r in profiled {
        let artifact = r.profile.as_ref().map_or(String::new(), |p| {
            run_dir.join(&p.artifact).display().to_string()
        });
        out.push_str(&format!(
            "  {} {:<14} {} {} seed={} {}/{}/{} → {artifact}\n",
            r.attempt_id,
            r.status.as_str(),
            crate::render::escape::terminal(&r.probe),
            crate::render::escape::terminal(&canonical(&r.params)),
            r.seed,
            crate::render::escape::terminal(&r.backend),
            crate::render::escape::terminal(&r.provider),
            crate::render::escape::terminal(&r.platform),
        ));
    }
    out
}

/// What the runner needs to launch and record a run's profiled attempts; empty for a run
/// without `--profile`.
#[derive(Debug, Clone, Default)]
pub struct Profiling {
    profiler: Option<Profiler>,
    /// Attempt id → its artifact directory (absolute: the profiled worker runs in it).
    dirs: BTreeMap<String, PathBuf>,
    run_dir: PathBuf,
}

impl Profiling {
    /// Creates the artifact directory of every profiled attempt under `run_dir`.
    pub fn prepare(profiler: Profiler, ids: &[String], run_dir: &Path) -> Result<Profiling> {
        let run_dir = std::path::absolute(run_dir).map_err(|source| Error::Unwritable {
            path: run_dir.to_path_buf(),
            source,
        })?;
        let mut dirs = BTreeMap::new();
        for id in ids {
            let dir = run_dir.join(PROFILE_DIR).join(id);
            std::fs::create_dir_all(&dir).map_err(|source| Error::Unwritable {
                path: dir.clone(),
                source,
            })?;
            dirs.insert(id.clone(), dir);
        }
        Ok(Profiling {
            profiler: Some(profiler),
            dirs,
            run_dir,
        })
    }

    /// How to start attempt `a` whose unprofiled launch is `program args`: unchanged with no
    /// working directory of its own, or behind the profiler's wrapper in its artifact
    /// directory. Relative paths are made absolute first, since the working directory changes.
    pub fn launch(
        &self,
        a: &Attempt,
        program: PathBuf,
        args: Vec<String>,
    ) -> (PathBuf, Vec<String>, Option<PathBuf>) {
        let (Some(p), Some(dir)) = (&self.profiler, self.dirs.get(&a.id)) else {
            return (program, args, None);
        };
        // A bare program name is looked up on PATH, not in the working directory: it stays.
        let program = if program.is_relative() && program.components().count() > 1 {
            std::path::absolute(&program).unwrap_or(program)
        } else {
            program
        };
        let (mut wrapper, _) = p.wrapper(dir);
        let head = PathBuf::from(wrapper.remove(0));
        wrapper.push(program.display().to_string());
        // Arguments are paths (the Python worker's script): a relative one that exists here is
        // made absolute.
        wrapper.extend(args.into_iter().map(|x| {
            let path = Path::new(&x);
            if path.is_relative() && path.exists() {
                std::path::absolute(path).map_or(x.clone(), |a| a.display().to_string())
            } else {
                x
            }
        }));
        (head, wrapper, Some(dir.clone()))
    }

    /// Whether attempt `a` is one of the profiled ones.
    pub fn covers(&self, a: &Attempt) -> bool {
        self.profiler.is_some() && self.dirs.contains_key(&a.id)
    }

    /// The row's `profile` field for attempt `a` (None when it is a measured attempt).
    pub fn row_field(&self, a: &Attempt) -> Option<nbench_schema::Profile> {
        let (p, dir) = (self.profiler.as_ref()?, self.dirs.get(&a.id)?);
        let (wrapper, artifact) = p.wrapper(dir);
        let rel = artifact
            .strip_prefix(&self.run_dir)
            .unwrap_or(&artifact)
            .display()
            .to_string();
        Some(nbench_schema::Profile {
            tool: p.spec.clone(),
            wrapper,
            artifact: rel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nbench_schema::ParamValue;

    fn attempt(index: usize, size: i64, seed: u64, backend: &str) -> Attempt {
        let mut params = nbench_schema::Params::new();
        params.insert("size".into(), ParamValue::Int(size));
        Attempt {
            index,
            id: format!("a{index:05}"),
            probe: "vec.sum".into(),
            family: "vec".into(),
            params,
            seed,
            backend: backend.into(),
            provider: "native".into(),
            platform: "cpu".into(),
            worker: None,
            worker_args: Vec::new(),
            variant: None,
            policy: None,
        }
    }

    #[test]
    fn parse_knows_the_presets_and_cmd_and_names_the_valid_ones() {
        assert!(Profiler::parse("perf-stat").expect("preset").is_perf());
        let p = Profiler::parse("cmd:valgrind --tool=massif --").expect("cmd");
        assert_eq!(p.program(), "valgrind");
        let err = Profiler::parse("vtune").expect_err("unknown").to_string();
        assert!(
            err.starts_with(
                "unknown profiler `vtune`; valid: perf-stat, perf-record, nsys, ncu, or cmd:"
            ),
            "{err}"
        );
        assert!(Profiler::parse("cmd:  ").is_err());
    }

    #[test]
    fn wrappers_write_reports_to_files_in_the_artifact_dir() {
        let dir = Path::new("/runs/r1/profile/a00004");
        let (w, art) = Profiler::parse("perf-stat").expect("p").wrapper(dir);
        assert_eq!(
            w,
            [
                "perf",
                "stat",
                "-o",
                "/runs/r1/profile/a00004/perf-stat.txt",
                "--"
            ]
        );
        assert_eq!(art, dir.join("perf-stat.txt"));
        let (w, art) = Profiler::parse("cmd:tool --out={out}/x --")
            .expect("p")
            .wrapper(dir);
        assert_eq!(w, ["tool", "--out=/runs/r1/profile/a00004/x", "--"]);
        assert_eq!(art, dir);
        let (w, _) = Profiler::parse("ncu").expect("p").wrapper(dir);
        assert!(
            w.contains(&"--log-file".to_string()),
            "ncu's own output must not reach stdout"
        );
    }

    #[test]
    fn one_profiled_attempt_per_point_after_the_measured_ones() {
        let mut plan = vec![
            attempt(0, 10, 0, "a"),
            attempt(1, 10, 0, "b"),
            attempt(2, 10, 1, "a"),
            attempt(3, 10, 1, "b"),
            attempt(4, 20, 0, "a"),
        ];
        let ids = extend_plan(&mut plan);
        assert_eq!(ids, ["a00005", "a00006", "a00007"]);
        let extra: Vec<(usize, i64, u64, &str)> = plan[5..]
            .iter()
            .map(|a| {
                let size = match a.params["size"] {
                    ParamValue::Int(n) => n,
                    _ => -1,
                };
                (a.index, size, a.seed, a.backend.as_str())
            })
            .collect();
        assert_eq!(extra, [(5, 10, 0, "a"), (6, 10, 0, "b"), (7, 20, 0, "a")]);
    }

    #[test]
    fn only_profiled_attempts_are_wrapped_and_named_in_their_row() {
        let run = std::env::temp_dir().join(format!("nbench-profiling-{}", std::process::id()));
        let p = Profiler::parse("perf-stat").expect("p");
        let prof = Profiling::prepare(p, &["a00001".into()], &run).expect("prepare");
        let measured = attempt(0, 10, 0, "a");
        let profiled = attempt(1, 10, 0, "a");
        let (prog, args, cwd) = prof.launch(&measured, "/bin/worker".into(), vec![]);
        assert_eq!(
            (prog, args, cwd),
            (PathBuf::from("/bin/worker"), vec![], None)
        );
        assert!(prof.row_field(&measured).is_none());
        let (prog, args, cwd) = prof.launch(&profiled, "/bin/worker".into(), vec![]);
        assert_eq!(prog, PathBuf::from("perf"));
        assert_eq!(args.last().map(String::as_str), Some("/bin/worker"));
        assert_eq!(cwd, Some(run.join("profile/a00001")));
        assert!(run.join("profile/a00001").is_dir());
        let field = prof.row_field(&profiled).expect("profiled");
        assert_eq!(field.artifact, "profile/a00001/perf-stat.txt");
        assert_eq!(field.tool, "perf-stat");
        let _ = std::fs::remove_dir_all(&run);
    }
}
