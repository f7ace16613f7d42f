//! Hostile names in every console and CI renderer: a baseline whose probe and backend names
//! carry GitHub Actions workflow commands (`::error::…`, `##[…]`), line breaks, Markdown and
//! HTML, and a failure message with U+FFFE/U+FFFF. `compare` in every format (and
//! `--github-summary`), and a real `run`'s progress lines and verdict, must print none of it as
//! a command, markup or invalid XML.

use std::path::Path;

use nbench_schema::{ParamValue, Row, exit};
use nbench_tests::{Nbench, compare, fixture_line, set_exec, write_rows};

/// Names that would each issue a workflow command if printed at the start of a line.
const PROBE: &str = "::error title=pwned::probe\n::add-mask::secret";
const BACKEND: &str = "##[error]b`x`<b>bold</b>|cell\n  ::warning::w";

/// True when some line would be taken by the GitHub Actions runner as a workflow command
/// that nbench did not mean to issue (the runner trims leading whitespace).
fn injected(text: &str, allowed: &[&str]) -> Option<String> {
    text.lines()
        .find(|l| {
            let t = l.trim_start();
            (t.starts_with("::") || t.starts_with("##["))
                && !allowed.iter().any(|a| t.starts_with(a))
        })
        .map(str::to_string)
}

/// Markdown with every code span (a run of n backticks up to the next run of exactly n)
/// removed: what GitHub would render as markup rather than show literally.
fn outside_code_spans(md: &str) -> String {
    let b = md.as_bytes();
    let run = |i: usize| b[i..].iter().take_while(|c| **c == b'`').count();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] != b'`' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let n = run(i);
        let mut j = i + n;
        let close = loop {
            match b[j..].iter().position(|c| *c == b'`') {
                None => break None,
                Some(k) if run(j + k) == n => break Some(j + k),
                Some(k) => j += k + run(j + k),
            }
        };
        match close {
            Some(k) => i = k + n,
            None => {
                out.extend(&b[i..i + n]);
                i += n;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rows(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let template: Row = serde_json::from_str(&fixture_line("rows/ok.json")).expect("row");
    let make = |seed: u64, size: i64, factor: f64| {
        let mut r = template.clone();
        r.probe = PROBE.into();
        r.backend = BACKEND.into();
        r.seed = seed;
        r.params.insert("size".into(), ParamValue::Int(size));
        let t = r
            .metrics
            .as_mut()
            .and_then(|m| m.steady_time.as_mut())
            .expect("steady");
        t.samples = Some((0..30).map(|i| factor * (1.0 + i as f64 * 1e-3)).collect());
        t.min = factor;
        t.median = factor * 1.015;
        t.p95 = factor * 1.03;
        r
    };
    let mut base: Vec<Row> = (0..4).map(|s| make(s, 1, 1.0)).collect();
    let mut cur: Vec<Row> = (0..4).map(|s| make(s, 1, 2.0)).collect();
    // A key only in the baseline, and a crash in the current run with a hostile message.
    base.push(make(0, 2, 1.0));
    cur[1].status = nbench_schema::Status::Crashed;
    cur[1].metrics = None;
    cur[1].failure = Some(nbench_schema::Failure {
        stage: nbench_schema::Stage::Measure,
        message: "\u{fffe}\u{ffff}\n::error::from-message <script>".into(),
        reason: None,
        exit_code: None,
        signal: Some(11),
        stderr_tail: None,
        limit_s: None,
    });
    (
        write_rows(dir, "baseline.jsonl", &base),
        write_rows(dir, "current.jsonl", &cur),
    )
}

#[test]
fn compare_escapes_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, c) = rows(dir.path());
    for format in ["table", "md", "json", "junit", "github"] {
        let out = compare(&b, &c, &["--format", format]);
        out.expect_code(exit::REGRESSION);
        let allowed: &[&str] = if format == "github" {
            &[
                "::error title=nbench ",
                "::warning title=nbench ",
                "::notice title=nbench ",
            ]
        } else {
            &[]
        };
        if let Some(l) = injected(&out.stdout, allowed) {
            out.fail(&format!("{format}: a workflow command from a row: {l}"));
        }
        if format == "github" {
            for l in out.stdout.lines().filter(|l| l.starts_with("::")) {
                // The title property and the message are escaped: one `::` separator only
                // before the message, none inside the title.
                let title = l.split("::").nth(1).unwrap_or("");
                assert!(!title.contains("pwned"), "row text in a title: {l}");
            }
        }
        if format == "md" {
            let prose = outside_code_spans(&out.stdout);
            assert!(
                !prose.contains("<b>") && !prose.contains("<script>"),
                "markup outside code spans: {prose}"
            );
            for line in out.stdout.lines().filter(|l| l.starts_with("| ")) {
                let delims = line.replace("\\|", "").matches('|').count();
                assert_eq!(delims, 8, "a stray cell delimiter: {line}");
            }
        }
        if format == "junit" {
            assert!(
                !out.stdout.contains(['\u{fffe}', '\u{ffff}']),
                "characters XML 1.0 forbids"
            );
            assert!(!out.stdout.contains("<script>") && !out.stdout.contains("<b>"));
        }
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json parses");
            assert!(v["points"].is_array());
        }
    }
    // --github-summary: Markdown appended to the step summary file, plus the table on stdout.
    let summary = dir.path().join("step.md");
    let out = Nbench::new(&[
        "compare",
        &b.display().to_string(),
        &c.display().to_string(),
        "--github-summary",
    ])
    .env("GITHUB_STEP_SUMMARY", &summary.display().to_string())
    .run();
    out.expect_code(exit::REGRESSION);
    let md = std::fs::read_to_string(&summary).expect("summary written");
    let prose = outside_code_spans(&md);
    assert!(
        !prose.contains("<b>") && !prose.contains("<script>"),
        "{md}"
    );
    assert!(injected(&md, &[]).is_none() && injected(&out.stdout, &[]).is_none());
}

/// A worker whose catalogue names a hostile probe and backend; every attempt is `ok` except
/// seed 1, which crashes with a hostile stderr.
/// A worker whose one probe is called `name` and whose backend is [`BACKEND`].
fn hostile_worker(dir: &Path, name: &str) -> std::path::PathBuf {
    let cat = serde_json::json!([{
        "name": name, "family": "fake", "description": "d",
        "axes": [{"name": "size", "kind": "int", "values": [1], "representative": 1, "open": false}],
        "backends": [{"name": BACKEND, "platform": "cpu"}], "hidden": false
    }]);
    let path = dir.join("hostile-worker");
    let script = format!(
        r#"#!/usr/bin/env python3
import json, sys
if sys.argv[1:] == ["list"]:
    print({cat}); sys.exit(0)
spec = json.loads(sys.stdin.readline())
def emit(o):
    sys.stdout.write(json.dumps(o) + "\n"); sys.stdout.flush()
emit({{"event": "hello", "protocol": 1, "worker": "h", "version": "1", "build_profile": "release"}})
if spec["seed"] == 1:
    sys.stderr.write("\n::error::from-stderr\n"); sys.exit(3)
st = {{k: 1e-6 for k in ["min", "median", "mean", "p25", "p75", "p95", "p99", "max"]}}
st.update({{"std": 0.0, "mad": 0.0, "n": 10, "iters_per_sample": 1}})
row = {{k: spec[k] for k in ["run_id", "attempt_id", "probe", "params", "seed", "backend", "provider", "platform"]}}
row.update({{"schema_version": 1, "family": "fake", "status": "ok", "problem_digest": "00000000000000aa",
            "metrics": {{"steady_time": st}}, "started_at": "x", "finished_at": "x"}})
emit({{"event": "row", "row": row}})
"#,
        cat = serde_json::to_string(&cat.to_string()).expect("json")
    );
    std::fs::write(&path, script).expect("write worker");
    set_exec(&path);
    path
}

#[test]
fn run_progress_and_verdict_escape_hostile_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A well-formed name (`fake.` then the hostile text) passes the catalogue's checks.
    let w = hostile_worker(dir.path(), &format!("fake.{PROBE}"));
    let out = Nbench::new(&["run", "--worker", &w.display().to_string()])
        .with_store()
        .run();
    out.expect_code(exit::ATTEMPTS_FAILED);
    assert_eq!(out.rows().len(), 4, "four seeds ran");
    if let Some(l) = injected(&out.stdout, &[]) {
        out.fail(&format!("a workflow command from a row on stdout: {l}"));
    }
    if let Some(l) = injected(&out.stderr, &[]) {
        out.fail(&format!("a workflow command from a row on stderr: {l}"));
    }
    assert!(out.stdout.contains("finished: 4 rows"), "{}", out.stdout);
}

#[test]
fn a_refused_hostile_declaration_is_escaped_in_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = hostile_worker(dir.path(), PROBE);
    let out = Nbench::new(&["run", "--worker", &w.display().to_string()])
        .with_store()
        .run();
    out.expect_code(exit::BAD_INPUT);
    assert!(out.stderr.contains("is declared wrongly"), "{}", out.stderr);
    if let Some(l) = injected(&out.stderr, &[]) {
        out.fail(&format!(
            "a workflow command from a declaration on stderr: {l}"
        ));
    }
}
