//! `nbench list`: the probe catalogue as a table or JSON ([`crate::render::listing`]). It
//! selects probes; the catalogue comes from the worker.

use nbench_schema::{ProbeInfo, exit};

use crate::catalogue::Catalogue;
use crate::cli::ListArgs;
use crate::error::{Error, Result};
use crate::locate;
use crate::render::{self, listing};

/// Runs `nbench list`.
pub fn list(args: &ListArgs) -> Result<i32> {
    let worker = locate::worker(args.worker.worker.as_deref())?;
    let cat = Catalogue::from_worker(&worker)?;
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
    match args.format {
        listing::Format::Table => {
            render::to_stdout(&listing::Table, probes)?;
            // The providers section depends on the machine's interpreters; a family view
            // stays a pure catalogue listing.
            if args.family.is_empty() {
                print!("{}", crate::provider::listing::table(&worker));
            }
        }
        listing::Format::Json => render::to_stdout(&listing::Json, probes)?,
    }
    Ok(exit::SUCCESS)
}
