//! `--progress json`: one JSON object per line on stdout for programs that follow a run: `{"event":
//! "started", …}` when an attempt starts, `{"event": "finished", …}` when its row is on disk
//! (with its status and median), `{"event": "note", …}` for interrupts and errors. The fields
//! are the attempt's identity as in the row; strings are JSON-escaped, so no name can break a
//! line. Display only.

use std::io::Write;

use nbench_schema::Row;
use serde_json::json;

use super::Reporter;
use crate::attempt::Attempt;

/// `--progress json`.
pub struct Events;

fn emit(v: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

impl Reporter for Events {
    fn started(&mut self, a: &Attempt) {
        emit(json!({
            "event": "started",
            "attempt_id": a.id,
            "probe": a.probe,
            "params": a.params,
            "seed": a.seed,
            "backend": a.backend,
            "provider": a.provider,
            "platform": a.platform,
            "variant": a.variant,
        }));
    }

    fn finished(&mut self, done: usize, total: usize, row: &Row) {
        let median = row
            .metrics
            .as_ref()
            .and_then(|m| m.steady_time.as_ref())
            .map(|t| t.median);
        emit(json!({
            "event": "finished",
            "done": done,
            "total": total,
            "attempt_id": row.attempt_id,
            "status": row.status.as_str(),
            "median_s": median,
            "message": row.failure.as_ref().map(|f| f.message.clone()),
        }));
    }

    fn note(&mut self, msg: &str) {
        emit(json!({"event": "note", "message": msg}));
    }
}
