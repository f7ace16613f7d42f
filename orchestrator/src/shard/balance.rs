//! `--balance-from RUN`: the weights a balanced slice deals points by — each point's summed
//! attempt wall time (the runner's spawn-to-reap `worker.wall_s`, every seed, backend and
//! provider of the point, failures included: they took the time too) in a previous run. It
//! reads rows and does not decide which shard a point goes to ([`super::assign`] does).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::store::read;

/// Point key → seconds, from the rows of the run directory `dir`.
pub fn weights(dir: &Path) -> Result<BTreeMap<String, f64>> {
    let rows = read::load(&[dir.to_path_buf()])?;
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for r in &rows {
        if let Some(w) = &r.worker
            && w.wall_s.is_finite()
            && w.wall_s >= 0.0
        {
            *out.entry(super::key(&r.probe, &r.params)).or_default() += w.wall_s;
        }
    }
    if out.is_empty() {
        return Err(Error::bad(format!(
            "--balance-from {}: its rows record no wall time to balance by",
            dir.display()
        )));
    }
    Ok(out)
}
