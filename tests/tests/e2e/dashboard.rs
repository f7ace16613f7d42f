//! `nbench plot`: the dashboard is one self-contained file that makes no network request,
//! embeds row text so it cannot become markup, and — opened in a real headless Chromium from
//! `file://` — renders every plot with zero console errors. A screenshot and the page are left
//! in the target directory's test output for a person to look at.
//!
//! Chromium is Debian's `chromium` package, which `.ci/run` installs. Where it is absent the
//! browser tests skip with a loud message, except under CI (`CI` set), where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::reportfix::{SCRIPT, standard, write};
use nbench_tests::Nbench;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Renders the standard fixture (with the hostile row) to a dashboard; returns its path.
fn dashboard(dir: &Path) -> PathBuf {
    let rows = write(&dir.join("rows.jsonl"), &standard());
    let out = dir.join("dashboard.html");
    Nbench::new(&[
        "plot",
        &rows.display().to_string(),
        "--out",
        &out.display().to_string(),
    ])
    .run()
    .expect_code(0);
    out
}

fn plotly_bundle() -> String {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../orchestrator/assets/plotly-4.1.2.min.js");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

#[test]
fn the_dashboard_is_self_contained_and_escapes_row_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = std::fs::read_to_string(dashboard(dir.path())).expect("dashboard written");
    assert!(html.contains(&plotly_bundle()), "Plotly is inlined");
    // Everything but the vendored bundle is ours: no external resource of any kind.
    let ours = html.replace(&plotly_bundle(), "");
    for needle in [
        "src=",
        "href=",
        "@import",
        "url(",
        "http://",
        "https://",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!ours.contains(needle), "the page references `{needle}`");
    }
    assert!(
        ours.contains("Content-Security-Policy") && ours.contains("default-src 'none'"),
        "fetching is forbidden by policy"
    );
    assert!(
        !html.contains(SCRIPT),
        "a row's <script> reached the page as markup"
    );
    assert!(
        ours.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"),
        "row text is embedded as escaped JSON"
    );
    assert!(
        !ours.contains("innerHTML"),
        "the page builds its DOM with textContent only"
    );
}

/// Chromium, or `None` after a loud message when it is absent outside CI.
fn chromium() -> Option<&'static str> {
    if Path::new(CHROMIUM).is_file() {
        return Some(CHROMIUM);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{CHROMIUM} is missing under CI: .ci/run installs Debian's chromium package before the tests"
        );
    }
    nbench_tests::skipped(&format!(
        "the dashboard browser test: {CHROMIUM} is missing; to run it: apt-get install chromium (CI installs it)"
    ));
    None
}

/// Runs headless Chromium on `url` with extra arguments; returns (stdout, stderr).
fn headless(browser: &str, url: &str, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut args: Vec<String> = [
        "120",
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=15000",
        "--window-size=1400,2600",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(url.to_string());
    let out = Command::new("timeout")
        .args(&args)
        .output()
        .expect("spawn chromium");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "chromium failed: {:?}\n--- stderr\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

/// The text of the page's status element and its state.
fn status(dom: &str) -> (String, String) {
    let start = dom
        .find("id=\"nbench-status\"")
        .unwrap_or_else(|| panic!("no status element in\n{dom}"));
    let tag = &dom[start..];
    let state = tag
        .split("data-state=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string();
    let text = tag
        .split('>')
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string();
    (state, text)
}

fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect()
}

#[test]
fn chromium_renders_every_plot_with_no_console_error() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dashboard(dir.path());
    let url = format!("file://{}", page.display());
    let (dom, stderr) = headless(browser, &url, &["--dump-dom"]);
    let (state, text) = status(&dom);
    // 4 probes (time against size each) + the heatmap + peak memory.
    assert_eq!(
        text, "plots 6/6, errors 0",
        "status: {state} {text}\n--- stderr\n{stderr}"
    );
    assert_eq!(state, "ok");
    assert!(
        console_lines(&stderr).is_empty(),
        "console output: {:#?}",
        console_lines(&stderr)
    );
    assert!(
        !dom.contains(SCRIPT),
        "the hostile row became markup in the live DOM"
    );
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt; | \"quoted\""),
        "the hostile failure is shown as text"
    );

    // The filter, opened from the URL: other probes are hidden, the page stays healthy.
    let (dom, stderr) = headless(
        browser,
        &format!("{url}#filter=probe:tensor.matmul"),
        &["--dump-dom"],
    );
    assert_eq!(
        status(&dom).1,
        "plots 6/6, errors 0",
        "--- stderr\n{stderr}"
    );
    assert_eq!(
        dom.matches("class=\"probe\" style=\"display: none;\"")
            .count(),
        3,
        "three probes hidden"
    );

    // A screenshot next to the test output, for people.
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&out_dir).expect("output dir");
    let shot = out_dir.join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        browser,
        &url,
        &[&format!("--screenshot={}", shot.display())],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "screenshot {} is missing or blank ({size} bytes)",
        shot.display()
    );
    std::fs::copy(&page, out_dir.join("dashboard.html")).expect("copy page");
    eprintln!("dashboard screenshot: {}", shot.display());
}
