//! Secrets never reach an artifact: a run with cloud keys and tokens in its environment (one
//! under nbench's own prefix, which a prefix allow-list would have captured) leaves their values
//! in no file — rows, manifest, summary, report, dashboard, exports — and on no output stream.

use std::path::Path;

use nbench_tests::{FAST, Nbench};

const SECRETS: [(&str, &str); 5] = [
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMIK7MDENGbPxRfiCYsecretvalue1",
    ),
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7SECRET2"),
    ("GITHUB_TOKEN", "ghp_secretvalue3secretvalue3secretvalue3"),
    ("NBENCH_PYPI_TOKEN", "pypi-secretvalue4"),
    ("NBENCH_PYTHON_TOKEN", "secretvalue5"),
];

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
    {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn secret_looking_variables_appear_in_no_artifact() {
    let mut nb = Nbench::new(&["run", "--family", "calib", "--match", "calib.spin"])
        .args(&["--param", "work=20"])
        .args(FAST)
        .with_store();
    for (k, v) in SECRETS {
        nb = nb.env(k, v);
    }
    let run = nb.run();
    run.expect_code(0);
    let dir = run.run_dir().display().to_string();
    let out = tempfile::tempdir().expect("tempdir");
    let o = |name: &str| out.path().join(name).display().to_string();
    let mut streams = vec![run.stdout.clone(), run.stderr.clone()];
    for args in [
        vec!["summary", &dir, "--format", "json"],
        vec!["summary", &dir, "--format", "csv"],
        vec!["report", &dir, "--out", &o("report.md")],
        vec!["plot", &dir, "--out", &o("dashboard.html")],
        vec!["export", &dir, "--format", "bmf", "--out", &o("bmf.json")],
        vec!["export", &dir, "--format", "gab", "--out", &o("gab")],
    ] {
        let mut cmd = Nbench::new(&args);
        for (k, v) in SECRETS {
            cmd = cmd.env(k, v);
        }
        let r = cmd.run();
        r.expect_code(0);
        streams.push(r.stdout.clone());
        streams.push(r.stderr.clone());
    }
    let mut all = Vec::new();
    files(&run.store, &mut all);
    files(out.path(), &mut all);
    assert!(
        all.len() >= 7,
        "expected rows, manifest, summary and outputs: {all:?}"
    );
    for f in &all {
        let bytes = std::fs::read(f).expect("read artifact");
        let text = String::from_utf8_lossy(&bytes);
        for (k, v) in SECRETS {
            assert!(!text.contains(v), "{k}'s value is in {}", f.display());
            assert!(!text.contains(k), "{k} is named in {}", f.display());
        }
    }
    for s in &streams {
        for (k, v) in SECRETS {
            assert!(!s.contains(v), "{k}'s value was printed");
        }
    }
}
