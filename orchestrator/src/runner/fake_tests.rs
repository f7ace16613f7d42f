//! The dispatcher's scheduling and interruption logic, driven by the scripted [`Fake`]
//! executor on tokio's paused clock: no process is spawned and every test is deterministic.

use std::collections::BTreeMap;
use std::sync::Arc;

use nbench_schema::{Row, Stage, Status};

use super::fake::{Act, Fake, plan, run};

fn by_id(rows: &[Row]) -> BTreeMap<String, &Row> {
    let mut m = BTreeMap::new();
    for r in rows {
        assert!(
            m.insert(r.attempt_id.clone(), r).is_none(),
            "two rows for {}",
            r.attempt_id
        );
    }
    m
}

#[tokio::test(start_paused = true)]
async fn every_attempt_gets_exactly_one_row_whatever_it_does() {
    let fake = Fake::default()
        .with("a00000", 10, Act::Row(Status::Ok))
        .with("a00001", 20, Act::Exit(3))
        .with("a00002", 30, Act::Signal(libc::SIGSEGV))
        .with("a00003", 40, Act::Timeout(Stage::Warmup))
        .with("a00004", 50, Act::Signal(libc::SIGKILL))
        .with("a00005", 60, Act::Exit(0))
        .with("a00006", 5, Act::Panic)
        .with("a00007", 70, Act::Row(Status::FidelityFailed));
    let out = run(Arc::new(fake), plan(8), 3, &[]).await;
    assert!(!out.interrupted);
    let rows = by_id(&out.rows);
    assert_eq!(rows.len(), 8);
    let want = [
        Status::Ok,
        Status::Crashed,
        Status::Crashed,
        Status::Timeout,
        Status::Oom,
        Status::ProtocolError,
        Status::Error,
        Status::FidelityFailed,
    ];
    for (i, w) in want.iter().enumerate() {
        let r = rows[&format!("a{i:05}")];
        assert_eq!(&r.status, w, "a{i:05}: {:?}", r.failure);
    }
    let panic = rows["a00006"].failure.as_ref().unwrap();
    assert!(
        panic.message.contains("scripted panic in a00006"),
        "{}",
        panic.message
    );
    assert_eq!(
        rows["a00003"].failure.as_ref().unwrap().stage,
        Stage::Warmup
    );
}

#[tokio::test(start_paused = true)]
async fn one_slot_runs_in_plan_order_and_rows_come_in_completion_order() {
    let fake = Arc::new(
        Fake::default()
            .with("a00000", 30, Act::Row(Status::Ok))
            .with("a00001", 10, Act::Row(Status::Ok))
            .with("a00002", 20, Act::Row(Status::Ok)),
    );
    let out = run(fake.clone(), plan(3), 1, &[]).await;
    let ids: Vec<&str> = out.rows.iter().map(|r| r.attempt_id.as_str()).collect();
    assert_eq!(ids, ["a00000", "a00001", "a00002"]);
    assert_eq!(
        *fake.started.lock().unwrap(),
        ["a00000", "a00001", "a00002"]
    );

    // Two slots: a00001 (10 ms) finishes first and a00002 takes its slot.
    let fake = Arc::new(
        Fake::default()
            .with("a00000", 30, Act::Row(Status::Ok))
            .with("a00001", 10, Act::Row(Status::Ok))
            .with("a00002", 5, Act::Row(Status::Ok)),
    );
    let out = run(fake, plan(3), 2, &[]).await;
    let ids: Vec<&str> = out.rows.iter().map(|r| r.attempt_id.as_str()).collect();
    assert_eq!(ids, ["a00001", "a00002", "a00000"]);
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_keeps_finished_rows_and_marks_the_rest_interrupted() {
    // 6 attempts of 100 ms on 2 slots; stop at 250 ms: four are done, two are running.
    let mut fake = Fake::default();
    for i in 0..6 {
        fake = fake.with(&format!("a{i:05}"), 100, Act::Row(Status::Ok));
    }
    let fake = fake.with("a00005", 100, Act::Hang);
    let out = run(Arc::new(fake), plan(8), 2, &[250]).await;
    assert!(out.interrupted);
    let rows = by_id(&out.rows);
    assert_eq!(rows.len(), 8, "every planned attempt has a row");
    for i in 0..4 {
        assert_eq!(rows[&format!("a{i:05}")].status, Status::Ok);
    }
    for i in 4..8 {
        let r = rows[&format!("a{i:05}")];
        assert_eq!(r.status, Status::Interrupted, "a{i:05}");
        let stage = &r.failure.as_ref().unwrap().stage;
        // Running ones were killed where they were; queued ones never left the queue.
        assert_eq!(
            *stage,
            if i < 6 { Stage::Measure } else { Stage::Queued },
            "a{i:05}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_second_stop_ends_the_run_at_once_with_one_row_each() {
    // A worker that would never end and an executor that ignores the first cancel are the
    // same to the dispatcher: the second stop must not wait for either.
    let fake = Fake::default().with("a00000", 0, Act::Stuck);
    let out = run(Arc::new(fake), plan(3), 1, &[5, 10]).await;
    assert!(out.interrupted);
    let rows = by_id(&out.rows);
    assert_eq!(rows.len(), 3);
    assert!(rows.values().all(|r| r.status == Status::Interrupted));
}

#[tokio::test(start_paused = true)]
async fn a_stop_before_dispatch_starts_nothing() {
    let fake = Arc::new(Fake::default());
    let out = run(fake.clone(), plan(4), 2, &[0]).await;
    assert!(out.interrupted);
    assert_eq!(out.rows.len(), 4);
    assert!(out.rows.iter().all(|r| r.status == Status::Interrupted));
    assert!(fake.started.lock().unwrap().is_empty(), "nothing started");
}
