//! Ctrl-C during a run: every worker's process group is killed, rows so far are kept, every
//! planned attempt still has exactly one row, and the manifest says `interrupted`.

use std::time::{Duration, Instant};

use nbench_schema::{Status, exit};
use nbench_tests::{FAST, Nbench, alive};

#[test]
fn sigint_keeps_rows_and_marks_the_manifest() {
    let nb = Nbench::sleep("300,301,302").args(FAST).with_store();
    let mut child = nb.spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    // Wait for the first row, then interrupt.
    loop {
        let has_row = std::fs::read_dir(nb.store.path())
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .and_then(|e| std::fs::read_to_string(e.path().join("rows.jsonl")).ok())
            .is_some_and(|t| t.lines().count() >= 1);
        if has_row {
            break;
        }
        assert!(Instant::now() < deadline, "no row appeared within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(exit::INTERRUPTED));
    let out = nb.run_dir_rows();
    assert_eq!(out.0.len(), 12, "every planned attempt has one row");
    assert!(
        out.0.iter().any(|r| r.status == Status::Ok),
        "rows measured before the interrupt are kept"
    );
    assert!(out.0.iter().any(|r| r.status == Status::Interrupted));
    for r in &out.0 {
        if let Some(w) = &r.worker
            && w.pid != 0
        {
            assert!(!alive(w.pid), "worker {} survived the interrupt", w.pid);
        }
    }
    assert_eq!(out.1["status"], "interrupted");
}

trait RunDirRows {
    fn run_dir_rows(&self) -> (Vec<nbench_schema::Row>, serde_json::Value);
}

impl RunDirRows for Nbench {
    fn run_dir_rows(&self) -> (Vec<nbench_schema::Row>, serde_json::Value) {
        let dir = std::fs::read_dir(self.store.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let rows = nbench_tests::read_rows(&dir.join("rows.jsonl"));
        let m = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
            .unwrap();
        (rows, m)
    }
}
