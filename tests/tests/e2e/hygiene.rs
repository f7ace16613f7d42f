//! What can be checked of the source tree itself: every Rust module opens with a `//!` header,
//! a header that claims a module holds the only `unsafe` of its directory is true, and nothing
//! in the repository cites a document outside it.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Files under `dir` (recursively) whose name ends in one of `exts`, skipping build output.
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | "results" | ".git" | "node_modules"
            ) {
                files(&p, exts, out);
            }
        } else if exts.iter().any(|x| name.ends_with(x)) {
            out.push(p);
        }
    }
}

fn rust_sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for c in ["schema/src", "worker/src", "orchestrator/src", "tests/src"] {
        files(&repo().join(c), &[".rs"], &mut out);
    }
    out.sort();
    out
}

#[test]
fn every_module_opens_with_a_header() {
    let missing: Vec<String> = rust_sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a //! header: {missing:#?}"
    );
}

#[test]
fn a_claim_to_the_only_unsafe_is_true() {
    let sources = rust_sources();
    let header = |text: &str| -> String {
        text.lines()
            .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let uses_unsafe = |text: &str| {
        text.lines().any(|l| {
            let code = l.split("//").next().unwrap_or("");
            code.contains("unsafe {") || code.contains("unsafe fn") || code.contains("unsafe impl")
        })
    };
    let mut claims = 0;
    for p in &sources {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        let h = header(&text);
        if !h.contains("the only `unsafe`") {
            continue;
        }
        claims += 1;
        // The claim covers the claimant's directory, less the exceptions its header names.
        let dir = p.parent().expect("a directory");
        for q in sources
            .iter()
            .filter(|q| q.parent() == Some(dir) && *q != p)
        {
            let stem = q
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let other = std::fs::read_to_string(q).unwrap_or_default();
            assert!(
                !uses_unsafe(&other) || h.contains(&format!("`{stem}`")),
                "{} claims the only `unsafe`, but {} has some and the header does not name it",
                p.display(),
                q.display()
            );
        }
    }
    assert!(
        claims > 0,
        "the probe library's simd module makes such a claim"
    );
}

#[test]
fn nothing_cites_a_document_outside_the_repository() {
    let mut all = Vec::new();
    files(
        &repo(),
        &[
            ".rs", ".md", ".py", ".sh", ".toml", ".yml", ".yaml", ".j2", ".html",
        ],
        &mut all,
    );
    let outside = ["DESIGN.md", "DESIGN §", "../shared/", "shared/DESIGN"];
    let mut hits = Vec::new();
    for p in all {
        if p.ends_with("tests/tests/e2e/hygiene.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if outside.iter().any(|o| line.contains(o)) {
                hits.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "references outside the repository: {hits:#?}"
    );
}
