//! Durable writes on the real binary: a final manifest that cannot be written ends the run with
//! exit 4 naming the path (rows kept, no temporary left behind), and two runs started at once in
//! one store never share a run directory.

use std::time::{Duration, Instant};

use nbench_schema::exit;
use nbench_tests::{FAST, Nbench};

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within 60 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_failed_final_manifest_write_is_exit_4_naming_the_path() {
    let nb = Nbench::sleep("400").args(FAST).with_store();
    let child = nb.spawn();
    let store = nb.store.path().to_path_buf();
    let run_dir = || {
        std::fs::read_dir(&store)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path())
    };
    wait_for("the first manifest", || {
        run_dir().is_some_and(|d| d.join("manifest.json").is_file())
    });
    let dir = run_dir().expect("run dir");
    // A non-empty directory where the manifest was: renaming the new manifest over it fails
    // (for root too, unlike a permission bit).
    let manifest = dir.join("manifest.json");
    std::fs::remove_file(&manifest).expect("remove manifest");
    std::fs::create_dir(&manifest).expect("dir in its place");
    std::fs::write(manifest.join("keep"), b"x").expect("fill it");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit::RUNTIME_ERROR), "{stderr}");
    assert!(
        stderr.contains(&manifest.display().to_string()),
        "the error names the manifest: {stderr}"
    );
    let rows = nbench_tests::read_rows(&dir.join("rows.jsonl"));
    assert_eq!(rows.len(), 4, "every row was kept");
    let temps: Vec<_> = std::fs::read_dir(&dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "temporaries left behind: {temps:?}");
}
