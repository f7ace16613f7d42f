//! Resuming a stored run (`nbench run --resume RUN`): dispatch the attempts of the run's plan
//! that have no final row, under the run's own id, appending to its rows file, then rewrite its
//! summary and manifest (with one more resume record). It also owns the plan's identity
//! ([`plan_record`]) that the first session records and a resume checks. It does not decide
//! which attempts are pending or whether the plan matches; `commands::resume` does.

use std::path::Path;
use std::time::Instant;

use super::session::{self, Finished, Setup, finish_manifest};
use super::timestamp::timestamp;
use crate::analysis::summary;
use crate::attempt::Attempt;
use crate::error::{Error, Result};
use crate::manifest::{Manifest, PlanRecord, ResumeRecord};
use crate::scheduler::Scheduler;
use crate::store::{self, MANIFEST_FILE, RunStore, read};

/// FNV-1a 64: a stable hash (the standard library's may change between Rust versions).
fn fnv(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h ^= u64::from(*b);
        *h = h.wrapping_mul(0x0100_0000_01b3);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// [`fnv`] as a sink, so a file streams through it.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        fnv(&mut self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The identity of `plan` run by `worker`: its attempt keys in order, and the worker's bytes.
pub fn plan_record(plan: &[Attempt], worker: &Path) -> Result<PlanRecord> {
    let mut keys = FNV_OFFSET;
    for a in plan {
        fnv(&mut keys, a.key_line().as_bytes());
    }
    // Streamed in 1 MiB blocks, not read whole: a worker binary is tens of MB, and a buffer
    // that size costs its page faults on every run's start.
    let read_error = |source| Error::Read {
        path: worker.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(worker).map_err(read_error)?;
    let mut w = Fnv(FNV_OFFSET);
    std::io::copy(
        &mut std::io::BufReader::with_capacity(1 << 20, file),
        &mut w,
    )
    .map_err(read_error)?;
    let w = w.0;
    Ok(PlanRecord {
        attempts: plan.len(),
        keys_hash: format!("{keys:016x}"),
        worker_hash: format!("{w:016x}"),
    })
}

/// Runs `pending` (the attempts of `manifest`'s plan without a final row) into the run
/// directory `dir`; `announce` gets the run id and directory before the first attempt.
pub fn execute(
    setup: Setup,
    dir: &Path,
    mut manifest: Manifest,
    pending: Vec<Attempt>,
    sched: Scheduler,
    announce: impl FnOnce(&str, &Path),
) -> Result<Finished> {
    let _machine = crate::lock::machine(&setup.lock)?;
    let mut store = RunStore::reopen(dir)?;
    let manifest_path = dir.join(MANIFEST_FILE);
    manifest.status = "running".into();
    manifest.finished_at = None;
    manifest.resumes.push(ResumeRecord {
        started_at: timestamp(chrono::Utc::now()),
        finished_at: None,
        command_line: std::env::args().collect(),
        pending_attempts: pending.len(),
        status: "running".into(),
    });
    session::write_first(&manifest_path, &manifest)?;
    let (_, host) = session::provenance(&setup.worker);
    let foreign = crate::provider::setup::for_run(&pending, &setup.worker, &setup.store_root)?;
    // A resume completes measured attempts; the profiled extra attempts belong to the session
    // that asked for them.
    let ctx = session::context(
        &manifest.run_id,
        &setup,
        host,
        &sched,
        foreign.foreign,
        Default::default(),
    );
    announce(&manifest.run_id, dir);
    let t0 = Instant::now();
    let outcome =
        session::run_dispatch(ctx, pending, sched, &mut store, setup.progress, None, None);
    let wall_s = t0.elapsed().as_secs_f64();
    let now = timestamp(chrono::Utc::now());
    manifest.finished_at = Some(now.clone());
    let record = manifest.resumes.len() - 1;
    manifest.resumes[record].finished_at = Some(now);
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            manifest.status = "failed".into();
            manifest.resumes[record].status = "failed".into();
            return Err(session::failed(&manifest_path, &manifest, e));
        }
    };
    // The whole run, first session and every resume, as readers see it: an attempt
    // interrupted earlier and finished now counts once, by its final row.
    let rows = read::load(&[store.rows_path().to_path_buf()])?;
    let derived = summary::summarize(&rows, &summary::Options::default());
    let summary_written = store.write_json(summary::SUMMARY_FILE, &derived);
    finish_manifest(&mut manifest, &rows, &derived, outcome.interrupted);
    manifest.resumes[record].status = manifest.status.clone();
    let manifest_written = store::write_json_atomic(&manifest_path, &manifest);
    summary_written?;
    manifest_written?;
    Ok(Finished {
        run_id: manifest.run_id.clone(),
        dir: dir.to_path_buf(),
        rows_path: store.rows_path().to_path_buf(),
        rows,
        summary: derived,
        interrupted: outcome.interrupted,
        wall_s,
        forecast: None,
    })
}
