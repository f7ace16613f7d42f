//! `--format json`: the comparison document exactly as analysed, pretty-printed. Stable field
//! order (the struct's), so equal inputs give equal bytes.

use crate::analysis::gate::Comparison;
use crate::render::Exporter;

/// The JSON exporter.
pub struct Json;

impl Exporter<Comparison> for Json {
    fn write(&self, doc: &Comparison, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            // Serialising plain structs of numbers and strings cannot fail.
            let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
            s.push('\n');
            s
        };
        w.write_all(text.as_bytes())
    }
}
