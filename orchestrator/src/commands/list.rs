//! `nbench list`: the probe catalogue as a table or JSON ([`crate::render::listing`]), with the
//! worker that provides each probe (a table section when a run has several workers, a `worker`
//! argv in every JSON entry). It selects probes; the catalogue comes from the workers.

use nbench_schema::{ProbeInfo, exit};

use crate::cli::ListArgs;
use crate::config::FileConfig;
use crate::error::{Error, Result};
use crate::render::{self, listing};
use crate::workers::{self, Workers};

/// Runs `nbench list`.
pub fn list(config: Option<&std::path::Path>, args: &ListArgs) -> Result<i32> {
    let (file, _) = FileConfig::load(config)?;
    let workers = Workers::load(workers::resolve(&args.worker.worker, &file.run.workers)?)?;
    let worker = workers.primary().program.clone();
    let cat = &workers.catalogue;
    let families = cat.families();
    for f in &args.family {
        if !families.contains(f) {
            return Err(Error::bad(format!(
                "unknown family `{f}`; valid families: {}",
                families.join(", ")
            )));
        }
    }
    let shown: Vec<&ProbeInfo> = cat
        .probes
        .iter()
        .filter(|p| {
            if args.family.is_empty() {
                args.all || !p.hidden
            } else {
                args.family.contains(&p.family)
            }
        })
        .collect();
    let probes = shown.as_slice();
    let by_worker: Vec<(&ProbeInfo, Vec<String>)> = shown
        .iter()
        .map(|p| {
            (
                *p,
                workers.of(&p.name).map(|w| w.argv()).unwrap_or_default(),
            )
        })
        .collect();
    match args.format {
        listing::Format::Table => {
            render::to_stdout(&listing::Table, probes)?;
            if workers.workers.len() > 1 {
                render::to_stdout(&listing::Workers, by_worker.as_slice())?;
            }
            // The providers section depends on the machine's interpreters; a family view
            // stays a pure catalogue listing.
            if args.family.is_empty() {
                print!("{}", crate::provider::listing::table(&worker));
            }
        }
        listing::Format::Json => render::to_stdout(&listing::JsonByWorker, by_worker.as_slice())?,
    }
    Ok(exit::SUCCESS)
}
