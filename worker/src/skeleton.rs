//! The row an attempt starts from: every field copied from the spec, nothing measured yet.
//!
//! This module owns the spec → row copy so the attempt and the fault injector (whose `torn`
//! fault needs a valid row to cut in half) build identical rows. It must not fill measured
//! fields or the runner-owned `host` and `worker`.

use nbench_schema::{Row, SCHEMA_VERSION, Spec, Status};

/// The current time, RFC 3339 UTC with microseconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The family of a probe name: the part before the first dot.
pub fn family_of(probe: &str) -> String {
    probe.split('.').next().unwrap_or(probe).to_string()
}

/// A row for `spec` with status `ok` and no measurements, started at `started_at`.
pub fn skeleton(spec: &Spec, started_at: &str) -> Row {
    Row {
        schema_version: SCHEMA_VERSION,
        run_id: spec.run_id.clone(),
        attempt_id: spec.attempt_id.clone(),
        probe: spec.probe.clone(),
        family: family_of(&spec.probe),
        params: spec.params.clone(),
        seed: spec.seed,
        backend: spec.backend.clone(),
        provider: spec.provider.clone(),
        platform: spec.platform.clone(),
        status: Status::Ok,
        failure: None,
        problem_digest: None,
        metrics: None,
        fidelity: None,
        measurement: None,
        device: None,
        host: None,
        worker: None,
        variant: spec.variant.clone(),
        reference_backend: None,
        imported: None,
        profile: None,
        shard: None,
        started_at: started_at.to_string(),
        finished_at: started_at.to_string(),
    }
}
