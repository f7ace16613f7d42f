//! The CI recipe of docs/ci.md works as written: the GitHub Actions workflow parses and calls
//! only steps the recipe's script has, and the script's steps (`machine-class`, `baseline`,
//! `gate`, `ab`) run end to end here with the real binaries, local paths and a small plan:
//! a baseline on "main", a gate that passes with JUnit and a job summary, a refusal on another
//! machine class, and the A/B fallback.

use std::path::{Path, PathBuf};
use std::process::Command;

use nbench_tests::{FAST, bin};
use yaml_rust2::YamlLoader;

fn recipe(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/ci")
        .join(name)
}

/// `bash nbench-gate.sh <step>` with the test's binaries and results directory.
fn step(step: &str, ci: &Path, extra: &[(&str, &str)]) -> (i32, String, String) {
    let plan = format!(
        "--match vec.add --quick --backend scalar {}",
        FAST.join(" ")
    );
    let mut cmd = Command::new("bash");
    cmd.arg(recipe("nbench-gate.sh"))
        .arg(step)
        .env("NBENCH", bin("nbench"))
        .env("NBENCH_CI", ci)
        .env("NBENCH_PLAN", &plan)
        // The plumbing is under test here, not the statistics: a loaded test machine must not
        // fail an A/A gate by chance (reports/gate-calibration.md measures the real rates).
        .env("NBENCH_GATE", "--threshold 2.0")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs");
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    (out.status.code().unwrap_or(-1), o, e)
}

#[test]
fn the_workflow_parses_and_calls_only_steps_the_script_has() {
    let text = std::fs::read_to_string(recipe("github-actions.yml")).expect("workflow");
    let docs = YamlLoader::load_from_str(&text).expect("the workflow is YAML");
    let wf = &docs[0];
    assert_eq!(wf["on"]["push"]["branches"][0].as_str(), Some("main"));
    assert!(
        !wf["on"]["pull_request"].is_badvalue(),
        "runs on pull requests"
    );
    let steps = wf["jobs"]["bench"]["steps"].as_vec().expect("steps");
    let script = std::fs::read_to_string(recipe("nbench-gate.sh")).expect("script");
    let mut called = Vec::new();
    for s in steps {
        let Some(run) = s["run"].as_str() else {
            continue;
        };
        for w in run.split("nbench-gate.sh ").skip(1) {
            let sub = w
                .split(|c: char| c.is_whitespace() || c == ')' || c == '"')
                .next()
                .unwrap_or("");
            assert!(
                script.contains(&format!("\n{sub})")),
                "the script has no step `{sub}`"
            );
            called.push(sub.to_string());
        }
    }
    for sub in ["machine-class", "baseline", "gate", "ab"] {
        assert!(
            called.iter().any(|c| c == sub),
            "the workflow never calls `{sub}`: {called:?}"
        );
    }
    // The baseline is keyed by machine class, so a PR on other hardware finds none.
    let keys: Vec<&str> = steps
        .iter()
        .filter_map(|s| s["with"]["key"].as_str())
        .collect();
    assert!(
        keys.iter()
            .all(|k| k.contains("steps.machine.outputs.class")),
        "{keys:?}"
    );
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/upload-artifact"))
    }));
}

#[test]
fn the_recipe_steps_run_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ci = dir.path().join("ci");
    let (code, _, err) = step("gate", &ci, &[]);
    assert_eq!(code, 2, "no baseline yet: {err}");
    assert!(err.contains("no baseline"), "{err}");

    let (code, class, err) = step("machine-class", &ci, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!class.trim().is_empty());

    let (code, out, err) = step("baseline", &ci, &[]);
    assert_eq!(code, 0, "baseline: {out}\n{err}");
    assert!(ci.join("baseline/MACHINE_CLASS").is_file());

    let summary = dir.path().join("summary.md");
    let summary_s = summary.display().to_string();
    let (code, out, err) = step("gate", &ci, &[("GITHUB_STEP_SUMMARY", &summary_s)]);
    assert_eq!(code, 0, "the same code passes its own gate: {out}\n{err}");
    let junit = std::fs::read_to_string(ci.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("<testsuite"), "{junit}");
    let md = std::fs::read_to_string(&summary).expect("the job summary");
    assert!(md.contains("vec.add"), "{md}");

    std::fs::write(ci.join("baseline/MACHINE_CLASS"), "another-cpu-64").expect("write");
    let (code, _, err) = step("gate", &ci, &[]);
    assert_eq!(
        code, 2,
        "a baseline from another machine class is refused: {err}"
    );
    assert!(
        err.contains("another-cpu-64") && err.contains("use 'ab'"),
        "{err}"
    );

    let worker = bin("nbench-worker").display().to_string();
    std::fs::remove_file(ci.join("junit.xml")).expect("rm");
    let (code, out, err) = step("ab", &ci, &[("NBENCH_BASE_WORKER", &worker)]);
    assert_eq!(
        code, 0,
        "A/B of a build against itself passes: {out}\n{err}"
    );
    assert!(ci.join("junit.xml").is_file());
}
