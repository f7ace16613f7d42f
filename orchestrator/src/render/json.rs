//! `--format json`: the [`Summary`] exactly as `summary.json` stores it (pretty, stable key
//! order from the types). JSON escaping is serde_json's.

use crate::analysis::summary::Summary;

use super::Exporter;

/// `--format json`.
pub struct Json;

impl Exporter<Summary> for Json {
    fn write(&self, doc: &Summary, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            // A Summary holds only strings, numbers, maps with string keys and options: it always
            // serializes (non-finite floats become null).
            let mut s = serde_json::to_string_pretty(doc)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            s.push('\n');
            s
        };
        w.write_all(text.as_bytes())
    }
}
