//! End-to-end tests of `nbench run --profile`: one extra attempt per point under a real
//! profiler (perf stat with software events, GNU time and valgrind's massif through `cmd:`),
//! its row naming an artifact that exists, the measured attempts unchanged in number and kept
//! apart from it; a profiler that is missing or not permitted is exit 2 before anything runs.

use std::path::Path;
use std::process::Command;

use nbench_tests::{FAST, Nbench, Output, SPIN};

/// Under CI every profiler the tests use must be installed (`.ci/run` installs them).
fn installed(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is not installed, and CI requires it (.ci/run installs it)"
        );
        eprintln!("SKIPPED profiler test: {program} is not installed");
    }
    found
}

/// A run of SPIN (two points, four seeds) with `extra`.
fn spin(extra: &[&str]) -> Output {
    Nbench::new(&["run"])
        .args(SPIN)
        .args(FAST)
        .args(extra)
        .with_store()
        .run()
}

/// The profiled rows have an artifact that exists; the measured rows are exactly an
/// unprofiled run's, none of them wrapped.
fn check_profiled(out: &Output, tool: &str, artifact_file: Option<&str>) {
    let rows = out.rows();
    let (profiled, measured): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r.profile.is_some());
    let plain = spin(&[]);
    plain.expect_code(0);
    assert_eq!(
        measured.len(),
        plain.rows().len(),
        "measured attempts changed in number"
    );
    assert_eq!(profiled.len(), 2, "one profiled attempt per point");
    for r in &profiled {
        let p = r.profile.as_ref().expect("profile");
        assert_eq!(p.tool, tool);
        assert_eq!(r.seed, 0);
        let path = out.run_dir().join(&p.artifact);
        assert!(path.exists(), "artifact {} is missing", path.display());
        match artifact_file {
            Some(name) => assert!(p.artifact.ends_with(name), "{}", p.artifact),
            None => assert!(
                std::fs::read_dir(&path).is_ok_and(|mut d| d.next().is_some()),
                "{} is empty",
                path.display()
            ),
        }
        assert!(
            out.stdout.contains(&path.display().to_string()),
            "{}",
            out.stdout
        );
    }
    // Readers leave the profiled rows out of every statistic.
    let summary = out.run_json("summary.json");
    assert_eq!(summary["rows"], measured.len(), "{summary}");
}

fn perf_permitted() -> bool {
    Command::new("perf")
        .args(["stat", "-o", "/dev/null", "--", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn perf_stat_profiles_one_extra_attempt_per_point() {
    if !installed("perf") {
        return;
    }
    let out = spin(&["--profile", "perf-stat"]);
    if !perf_permitted() {
        // perf is here but this machine (a container, a paranoid level) forbids it: the refusal
        // is what must happen, before anything runs.
        out.expect_code(2)
            .stderr_has(&["--profile perf-stat: perf is installed but may not profile here"])
            .expect_no_run("nothing may run when the profiler is not permitted");
        return;
    }
    out.expect_code(0);
    check_profiled(&out, "perf-stat", Some("perf-stat.txt"));
    let r = out
        .rows()
        .into_iter()
        .find(|r| r.profile.is_some())
        .expect("profiled");
    let text = std::fs::read_to_string(out.run_dir().join(&r.profile.expect("p").artifact))
        .expect("read perf-stat.txt");
    assert!(text.contains("task-clock"), "{text}");
}

#[test]
fn a_cmd_wrapper_keeps_the_file_it_writes_into_the_artifact_directory() {
    if !installed("/usr/bin/time") {
        return;
    }
    let out = spin(&["--profile", "cmd:/usr/bin/time -v -o {out}/time.txt"]);
    out.expect_code(0);
    check_profiled(&out, "cmd:/usr/bin/time -v -o {out}/time.txt", None);
    let r = out
        .rows()
        .into_iter()
        .find(|r| r.profile.is_some())
        .expect("profiled");
    let dir = out.run_dir().join(r.profile.expect("p").artifact);
    let text = std::fs::read_to_string(dir.join("time.txt")).expect("time.txt");
    assert!(text.contains("Maximum resident set size"), "{text}");
}

#[test]
fn valgrind_massif_writes_into_the_attempts_working_directory() {
    if !installed("valgrind") {
        return;
    }
    let out = Nbench::sleep("1")
        .args(FAST)
        .args(&["--profile", "cmd:valgrind --tool=massif --"])
        .with_store()
        .run();
    out.expect_code(0);
    let rows = out.rows();
    let profiled: Vec<_> = rows.iter().filter(|r| r.profile.is_some()).collect();
    assert_eq!(profiled.len(), 1);
    assert_eq!(
        profiled[0].status.as_str(),
        "ok",
        "{:?}",
        profiled[0].failure
    );
    let dir = out
        .run_dir()
        .join(&profiled[0].profile.as_ref().expect("p").artifact);
    let massif: Vec<_> = std::fs::read_dir(&dir)
        .expect("artifact dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("massif.out."))
        .collect();
    assert_eq!(massif.len(), 1, "massif's output in {}", dir.display());
}

#[test]
fn a_missing_or_unknown_profiler_is_refused_before_anything_runs() {
    let empty = tempfile::tempdir().expect("tempdir");
    let path = empty.path().display().to_string();
    for (tool, needle) in [
        (
            "nsys",
            "--profile nsys: the profiler `nsys` is not installed (not found on PATH)",
        ),
        (
            "ncu",
            "--profile ncu: the profiler `ncu` is not installed (not found on PATH)",
        ),
        ("perf-stat", "the profiler `perf` is not installed"),
    ] {
        Nbench::sleep("1")
            .args(&["--profile", tool])
            .env("PATH", &path)
            .with_store()
            .run()
            .expect_code(2)
            .stderr_has(&[needle])
            .expect_no_run("nothing may run without the profiler");
    }
    Nbench::sleep("1")
        .args(&["--profile", "cmd:/nonexistent/nbench-profiler --flag"])
        .with_store()
        .run()
        .expect_code(2)
        .stderr_has(&["the profiler `/nonexistent/nbench-profiler` is not installed"])
        .expect_no_run("nothing may run without the profiler");
    Nbench::sleep("1")
        .args(&["--profile", "vtune"])
        .with_store()
        .run()
        .expect_code(2)
        .stderr_has(&[
            "unknown profiler `vtune`; valid: perf-stat, perf-record, nsys, ncu, or cmd:",
        ]);
    let _ = Path::new(&path);
}
