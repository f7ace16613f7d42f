//! A worker's command line — the built-in `nbench-worker` and every user's worker built on the
//! SDK alike ([`serve`]): run one spec from stdin, `list`, `materialize`, `gpus`, `cuda-check`,
//! `cuda-libs`, or `--version`.
//!
//! This module owns argument dispatch, the declaration check at `list` time and exit codes; it
//! reads stdin once and leaves stdout to the [`Emitter`] (and `list`). It must not contain
//! attempt logic.

use std::io::Write;

use nbench_schema::exit;

use crate::attempt;
use crate::protocol::{Emitter, read_spec};
use crate::registry::Registry;

const USAGE: &str =
    "usage: nbench-worker            read one spec (JSON line) on stdin, write events on stdout
       nbench-worker list       print the probe catalogue as a JSON array
       nbench-worker gpus       print the CUDA devices as a JSON array ([] without a driver)
       nbench-worker cuda-check compile every CUDA kernel with NVRTC (no GPU needed)
       nbench-worker cuda-libs  which libcuda, libnvrtc, libcublas load here, from where
       nbench-worker materialize [CACHE_DIR]
                                read a point (JSON line) on stdin, write its inputs and
                                oracle as .npy under CACHE_DIR/<digest>/, print {digest, dir}
       nbench-worker --version  print the version";

/// The built-in worker: [`serve`] with every built-in probe.
pub fn main() -> i32 {
    serve(crate::probes::all())
}

/// Serves `probes` as an nbench worker: reads the process arguments, does what they ask (run
/// the spec on stdin, `list`, `materialize`, …) and returns the exit code for
/// `std::process::exit`. A user's worker binary is
/// `fn main() { std::process::exit(nbench_worker::serve(vec![Box::new(MyProbe)])) }`.
///
/// `list` refuses (exit 2, naming the probe) a set of probes with a repeated name or a wrong
/// declaration ([`nbench_schema::ProbeInfo::check`], unknown required CPU features).
pub fn serve(probes: Vec<Box<dyn crate::probe::Probe>>) -> i32 {
    let registry = Registry::from_probes(probes);
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => run_spec(&registry),
        ["list"] => list(&registry),
        ["gpus"] => crate::cuda::commands::gpus(),
        ["cuda-check"] => crate::cuda::commands::cuda_check(),
        ["cuda-libs"] => crate::cuda::libs::main(),
        ["materialize"] => crate::materialize::main(&registry, None),
        ["materialize", cache] => crate::materialize::main(&registry, Some(cache)),
        ["--version"] => {
            println!("nbench-worker {}", env!("CARGO_PKG_VERSION"));
            exit::SUCCESS
        }
        _ => {
            eprintln!("nbench-worker: unexpected arguments {args:?}\n{USAGE}");
            exit::BAD_INPUT
        }
    }
}

fn list(registry: &Registry) -> i32 {
    let catalogue = registry.catalogue();
    if let Err(e) = check_declarations(&catalogue) {
        eprintln!("nbench-worker: {e}");
        return exit::BAD_INPUT;
    }
    print_json(&catalogue, "the catalogue")
}

/// Every declaration's own rules, unique names, and required CPU features nbench knows.
pub fn check_declarations(catalogue: &[nbench_schema::ProbeInfo]) -> Result<(), String> {
    for (i, info) in catalogue.iter().enumerate() {
        if catalogue[..i].iter().any(|o| o.name == info.name) {
            return Err(format!("probe `{}` is declared twice", info.name));
        }
        info.check()?;
        for b in &info.backends {
            if let Some(f) = b
                .requires
                .iter()
                .find(|f| crate::features::has(f).is_none())
            {
                return Err(format!(
                    "probe `{}` is declared wrongly: backend `{}` requires unknown cpu feature \
                     `{f}`; valid features: {}",
                    info.name,
                    b.name,
                    crate::features::KNOWN.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Writes `value` as one JSON line on stdout; `what` names it in the error.
pub(crate) fn print_json<T: serde::Serialize>(value: &T, what: &str) -> i32 {
    let written = serde_json::to_string(value)
        .map_err(std::io::Error::other)
        .and_then(|text| {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{text}")?;
            out.flush()
        });
    match written {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            eprintln!("nbench-worker: could not write {what} to stdout: {e}");
            exit::WORKER_IO
        }
    }
}

fn run_spec(registry: &Registry) -> i32 {
    let mut emitter = Emitter::stdout();
    emitter.hello();
    let spec = match read_spec(std::io::stdin().lock()) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("nbench-worker: {e}");
            return exit::WORKER_BAD_SPEC;
        }
    };
    attempt::run(&spec, registry, &mut emitter);
    match emitter.error() {
        None => exit::SUCCESS,
        Some(e) => {
            eprintln!("nbench-worker: could not write events to stdout: {e}");
            exit::WORKER_IO
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_declarations;
    use nbench_schema::{BackendInfo, ProbeInfo};

    fn probe() -> ProbeInfo {
        ProbeInfo::new("mine.p", "a probe")
            .with_axis(crate::probe::int_axis("size", &[1, 2], 1))
            .with_backend(BackendInfo::cpu("a"))
    }

    #[test]
    fn builtin_declarations_pass() {
        assert_eq!(
            check_declarations(&crate::registry::Registry::builtin().catalogue()),
            Ok(())
        );
    }

    #[test]
    fn wrong_declarations_name_the_probe_and_the_fault() {
        let mut rep = probe();
        rep.axes[0].representative = 3.into();
        let cases = [
            (vec![probe(), probe()], "probe `mine.p` is declared twice"),
            (
                vec![probe().with_backend(BackendInfo::cpu("a"))],
                "backend `a` is declared twice",
            ),
            (
                vec![rep],
                "representative value `3` of axis `size` is not among its values 1, 2",
            ),
            (
                vec![probe().with_reference("b")],
                "reference backend `b` is not one of",
            ),
            (
                vec![
                    ProbeInfo::new("mine.p", "")
                        .with_backend(BackendInfo::cpu("a").requiring(&["avx9"])),
                ],
                "unknown cpu feature `avx9`",
            ),
        ];
        for (cat, want) in cases {
            let err = check_declarations(&cat).expect_err(want);
            assert!(err.contains("mine.p") && err.contains(want), "{err}");
        }
        let mut empty = probe();
        empty.axes[0].values.clear();
        let err = check_declarations(&[empty]).expect_err("empty axis");
        assert!(err.contains("axis `size` has no values"), "{err}");
    }
}
