//! Table tests of `synth`: every way an attempt can end (spawn failure, kill, protocol error,
//! row or no row, each exit code and signal, at each stage) maps to one status, stage and
//! message. Pure: built from [`Observed`] values, no process.

use nbench_schema::{Stage, Status};

use super::executor::{Kill, Observed};
use super::fake::{ctx, observed, permit, plan};
use super::synth;
use crate::sys::Reaped;

fn reaped(exit_code: Option<i32>, signal: Option<i32>) -> Option<Reaped> {
    Some(Reaped {
        exit_code,
        signal,
        max_rss: 1 << 20,
    })
}

fn with_row(mut o: Observed, status: Status) -> Observed {
    let a = &plan(1)[0];
    let mut row = synth::bare(
        &ctx(),
        a,
        status,
        synth::failure(Stage::Measure, ""),
        o.started_at,
    );
    row.failure = None;
    o.row = Some(row);
    o.stage = Stage::Exit;
    o
}

/// (case, observed, status, failure stage (None: no failure), words the message must hold)
type Case = (&'static str, Observed, Status, Option<Stage>, &'static str);

fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = Vec::new();
    let stages = [
        Stage::Handshake,
        Stage::Setup,
        Stage::Fidelity,
        Stage::Warmup,
        Stage::Measure,
    ];
    for stage in stages {
        let at = |exit_code, signal, tail: &str| {
            let mut o = observed();
            o.stage = stage.clone();
            o.reaped = reaped(exit_code, signal);
            o.stderr_tail = tail.to_string();
            o
        };
        let s = Some(stage.clone());
        v.push((
            "exit 3",
            at(Some(3), None, ""),
            Status::Crashed,
            s.clone(),
            "exited with code 3",
        ));
        v.push((
            "exit 0",
            at(Some(0), None, ""),
            Status::ProtocolError,
            s.clone(),
            "without writing a row",
        ));
        v.push((
            "sigsegv",
            at(None, Some(libc::SIGSEGV), ""),
            Status::Crashed,
            s.clone(),
            "SIGSEGV",
        ));
        v.push((
            "sigkill",
            at(None, Some(libc::SIGKILL), ""),
            Status::Oom,
            s.clone(),
            "OOM killer",
        ));
        v.push((
            "sigabrt",
            at(None, Some(libc::SIGABRT), "boom"),
            Status::Crashed,
            s.clone(),
            "SIGABRT",
        ));
        v.push((
            "alloc abort",
            at(
                None,
                Some(libc::SIGABRT),
                "memory allocation of 8 bytes failed",
            ),
            Status::Oom,
            s.clone(),
            "out of memory",
        ));
        v.push((
            "no status",
            at(None, None, ""),
            Status::Crashed,
            s.clone(),
            "without an exit status",
        ));
        let mut t = at(None, Some(libc::SIGKILL), "");
        t.killed = Some(Kill::Timeout {
            stage: stage.clone(),
            limit_s: 1.5,
        });
        v.push((
            "timeout",
            t.clone(),
            Status::Timeout,
            s.clone(),
            "1.5s deadline",
        ));
        t.unreaped = true;
        t.reaped = None;
        v.push((
            "timeout, unreaped",
            t,
            Status::Timeout,
            s.clone(),
            "left unreaped",
        ));
        let mut i = at(None, Some(libc::SIGKILL), "");
        i.killed = Some(Kill::Interrupted);
        v.push((
            "interrupted",
            i,
            Status::Interrupted,
            s.clone(),
            "interrupted",
        ));
        let mut p = at(None, Some(libc::SIGKILL), "");
        p.killed = Some(Kill::Protocol);
        p.protocol_error = Some("worker wrote non-UTF-8 to stdout".into());
        v.push(("protocol", p, Status::ProtocolError, s.clone(), "non-UTF-8"));
    }
    let mut hello_less = observed();
    hello_less.hello = None;
    hello_less.stage = Stage::Handshake;
    hello_less.reaped = reaped(Some(0), None);
    v.push((
        "exit 0, no hello",
        hello_less,
        Status::ProtocolError,
        Some(Stage::Handshake),
        "without a hello",
    ));
    let mut spawn = observed();
    spawn.spawn_error = Some("cannot start worker /nope: not found".into());
    v.push((
        "spawn",
        spawn,
        Status::EnvFailed,
        Some(Stage::Spawn),
        "cannot start",
    ));

    let done = |exit_code, signal| {
        let mut o = with_row(observed(), Status::Ok);
        o.reaped = reaped(exit_code, signal);
        o
    };
    v.push(("row, exit 0", done(Some(0), None), Status::Ok, None, ""));
    let mut ff = with_row(observed(), Status::FidelityFailed);
    ff.reaped = reaped(Some(0), None);
    v.push(("fidelity row", ff, Status::FidelityFailed, None, ""));
    v.push((
        "row, exit 3",
        done(Some(3), None),
        Status::Crashed,
        Some(Stage::Exit),
        "exited with code 3 after sending its row",
    ));
    v.push((
        "row, sigsegv",
        done(None, Some(libc::SIGSEGV)),
        Status::Crashed,
        Some(Stage::Exit),
        "after sending its row",
    ));
    let mut late = done(None, Some(libc::SIGKILL));
    late.killed = Some(Kill::AfterRow);
    v.push(("row, then no exit", late, Status::Ok, None, ""));
    let mut kept = done(None, Some(libc::SIGKILL));
    kept.killed = Some(Kill::Interrupted);
    v.push(("row, then interrupt", kept, Status::Ok, None, ""));
    let mut after = done(None, Some(libc::SIGKILL));
    after.killed = Some(Kill::Protocol);
    after.protocol_error = Some("worker wrote to stdout after its row".into());
    v.push((
        "output after row",
        after,
        Status::ProtocolError,
        Some(Stage::Exit),
        "after its row",
    ));
    let mut stranger = done(Some(0), None);
    if let Some(r) = stranger.row.as_mut() {
        r.backend = "other".into();
    }
    v.push((
        "row for another backend",
        stranger,
        Status::ProtocolError,
        Some(Stage::Exit),
        "backend `other`",
    ));
    v
}

#[test]
fn every_ending_maps_to_one_status_stage_and_message() {
    let (ctx, a, p) = (ctx(), plan(1).remove(0), permit());
    let cases = cases();
    assert!(cases.len() > 50);
    for (name, obs, status, stage, words) in cases {
        let stage_was = obs.stage.clone();
        let row = synth::row(&ctx, &a, &p, obs);
        assert_eq!(
            row.status, status,
            "{name} at {stage_was}: {:?}",
            row.failure
        );
        assert_eq!(row.attempt_id, a.id, "{name}");
        match (&row.failure, &stage) {
            (None, None) => {}
            (Some(f), Some(s)) => {
                assert_eq!(&f.stage, s, "{name} at {stage_was}");
                assert!(
                    f.message.contains(words),
                    "{name} at {stage_was}: {}",
                    f.message
                );
            }
            (f, s) => panic!("{name} at {stage_was}: failure {f:?}, expected stage {s:?}"),
        }
        let w = row.worker.as_ref().expect("worker block");
        assert_eq!(w.pid, 4242, "{name}");
    }
}
