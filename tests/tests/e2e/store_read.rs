//! Reading a damaged store with the real binary: a run whose rows file ends in a line torn
//! inside a multi-byte character, and holds a bad line in the middle, still renders; the bad
//! line is skipped with one warning naming the file and the line; a newer schema is still
//! refused; `--latest` never prefers an `interrupted` row over a finished one.

use crate::reportfix::{golden, ok, write};
use nbench_tests::Nbench;
use serde_json::json;

#[test]
fn a_torn_tail_and_a_bad_line_cost_only_themselves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("20260101T000000Z-aaaaaa");
    std::fs::create_dir(&run).expect("run dir");
    let rows: Vec<_> = (0..4u64)
        .map(|s| ok("vec.add", json!({"size": 100}), "scalar", s, 1e-6, 1 << 20))
        .collect();
    let path = write(&run.join("rows.jsonl"), &rows);
    let mut bytes = std::fs::read(&path).expect("rows");
    // A bad line after the second row.
    let second_end = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map(|(i, _)| i)
        .expect("two lines");
    bytes.splice(second_end + 1..second_end + 1, b"{oops\n".iter().copied());
    // A torn final row, cut inside U+FFFD.
    let mut torn = golden("crashed");
    torn["failure"]["stderr_tail"] = json!("\u{fffd}\u{fffd}\u{fffd}");
    let torn = serde_json::to_string(&torn).expect("json");
    let cut = torn.find('\u{fffd}').expect("fffd") + 2;
    bytes.extend(&torn.as_bytes()[..cut]);
    std::fs::write(&path, &bytes).expect("write");

    let out = Nbench::new(&["summary", &run.display().to_string(), "--format", "json"]).run();
    out.expect_code(0);
    out.stderr_has(&[
        "warning",
        &path.display().to_string(),
        "skipped 1 bad line (3)",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(doc["rows"], json!(4), "{}", out.stdout);
}

#[test]
fn latest_keeps_a_finished_row_over_a_later_interrupted_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut done = ok("vec.add", json!({"size": 100}), "scalar", 0, 1e-6, 1 << 20);
    done["run_id"] = json!("20260101T000000Z-aaaaaa");
    done["finished_at"] = json!("2026-01-01T00:00:01Z");
    let mut stopped = golden("interrupted");
    for k in [
        "probe", "family", "params", "seed", "backend", "provider", "platform",
    ] {
        stopped[k] = done[k].clone();
    }
    stopped["run_id"] = json!("20260102T000000Z-bbbbbb");
    stopped["finished_at"] = json!("2026-01-02T00:00:01Z");
    let a = write(&dir.path().join("a.jsonl"), &[done]);
    let b = write(&dir.path().join("b.jsonl"), &[stopped]);
    let out = Nbench::new(&[
        "export",
        &a.display().to_string(),
        &b.display().to_string(),
        "--format",
        "bmf",
    ])
    .run();
    out.expect_code(0);
    assert!(
        out.stdout.contains("vec.add"),
        "the ok row was dropped: {}",
        out.stdout
    );
}

#[test]
fn read_only_commands_never_write_into_the_run() {
    let run = Nbench::new(&["run", "--family", "calib", "--match", "calib.spin"])
        .args(&["--param", "work=20"])
        .args(nbench_tests::FAST)
        .with_store()
        .run();
    run.expect_code(0);
    let dir = run.run_dir();
    std::fs::remove_file(dir.join("summary.json")).expect("summary written by the run");
    let listing = |d: &std::path::Path| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = std::fs::read_dir(d)
            .expect("read dir")
            .filter_map(|e| e.ok())
            .map(|e| {
                let len = e.metadata().map_or(0, |m| m.len());
                (e.file_name().to_string_lossy().into_owned(), len)
            })
            .collect();
        v.sort();
        v
    };
    let before = listing(&dir);
    set_mode(&dir, 0o555);
    let out_dir = tempfile::tempdir().expect("tempdir");
    let d = dir.display().to_string();
    let report = out_dir.path().join("r.md").display().to_string();
    let plot = out_dir.path().join("p.html").display().to_string();
    for args in [
        vec!["summary", d.as_str()],
        vec!["summary", d.as_str(), "--format", "json"],
        vec!["report", d.as_str(), "--out", report.as_str()],
        vec!["plot", d.as_str(), "--out", plot.as_str()],
    ] {
        Nbench::new(&args).run().expect_code(0);
    }
    set_mode(&dir, 0o755);
    assert_eq!(
        listing(&dir),
        before,
        "a read-only command wrote into the run"
    );
}

fn set_mode(p: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
