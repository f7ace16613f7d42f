//! `--format json`: the [`Summary`] exactly as `summary.json` stores it (pretty, stable key
//! order from the types). JSON escaping is serde_json's.

use crate::analysis::summary::Summary;

use super::Exporter;

/// `--format json`.
pub struct Json;

impl Exporter<Summary> for Json {
    fn format(&self) -> &'static str {
        "json"
    }

    fn render(&self, doc: &Summary) -> String {
        // A Summary holds only strings, numbers, maps with string keys and options: it always
        // serializes (non-finite floats become null).
        let mut s =
            serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}
