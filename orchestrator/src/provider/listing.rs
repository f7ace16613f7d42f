//! The providers section of `nbench list`: each provider on each of its platforms, available
//! or not and why (the interpreter is asked, never assumed). Rendering only.

use std::fmt::Write;
use std::path::Path;

use super::{PROVIDERS, facts, platforms};

/// `providers:` and one line per `(provider, platform)`.
pub fn table(worker: &Path) -> String {
    let mut out = String::from("\nproviders:\n");
    for provider in PROVIDERS {
        if provider == "native" {
            let _ = writeln!(
                out,
                "  {provider:<7} {:<5} available ({})",
                "cpu",
                worker.display()
            );
            continue;
        }
        for platform in platforms(provider) {
            let f = facts::probe(provider, platform);
            let _ = writeln!(out, "  {provider:<7} {platform:<5} {}", facts::describe(&f));
        }
    }
    out
}
