//! `nbench plot`: one self-contained HTML dashboard. The vendored Plotly bundle
//! (`orchestrator/assets/`, MIT, version in `docs/reports.md`), the page script and the data are
//! all inline, and a Content-Security-Policy forbids every fetch, so the page works from
//! `file://` and makes no network request. Data is embedded as JSON escaped for a `<script>`
//! element ([`escape::json_in_html`](super::escape::json_in_html)); the page builds its DOM
//! with `textContent`. No metric arithmetic here or in the page script.

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde_json::Value as Json;

use crate::analysis::summary::Summary;

use super::Exporter;
use super::escape;

/// The vendored Plotly bundle.
pub const PLOTLY_JS: &str = include_str!("../../assets/plotly-4.1.2.min.js");
/// Its version, as printed in the docs.
pub const PLOTLY_VERSION: &str = "4.1.2";
const PAGE: &str = include_str!("../../templates/dashboard.html.j2");
const APP_JS: &str = include_str!("../../templates/dashboard.js");

/// What the dashboard shows.
pub struct DashboardDoc<'a> {
    pub summary: &'a Summary,
    /// Run manifests as written.
    pub manifests: &'a [Json],
}

/// The HTML dashboard.
pub struct Html;

impl Exporter<DashboardDoc<'_>> for Html {
    fn write(&self, doc: &DashboardDoc<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            let data = serde_json::json!({ "summary": doc.summary, "manifests": doc.manifests });
            let data = escape::json_in_html(&data.to_string());
            let mut env = Environment::new();
            env.set_undefined_behavior(UndefinedBehavior::Strict);
            env.set_keep_trailing_newline(true);
            // Everything not marked safe is HTML-escaped, whatever the template's name.
            env.set_auto_escape_callback(|_| AutoEscape::Html);
            // Built-in template, covered by the tests: failing here is a bug in nbench.
            env.add_template("dashboard.html", PAGE)
                .unwrap_or_else(|e| panic!("built-in dashboard template does not parse: {e}"));
            env.get_template("dashboard.html")
                .and_then(|t| {
                    t.render(minijinja::context! {
                        plotly => Value::from_safe_string(PLOTLY_JS.to_string()),
                        app => Value::from_safe_string(APP_JS.to_string()),
                        data => Value::from_safe_string(data),
                        rows => doc.summary.rows,
                        reference_rule => doc.summary.reference_rule,
                    })
                })
                .unwrap_or_else(|e| panic!("built-in dashboard template failed to render: {e:#}"))
        };
        w.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_scripts_cannot_close_their_element() {
        for (name, s) in [("plotly", PLOTLY_JS), ("app", APP_JS)] {
            assert!(
                !s.to_ascii_lowercase().contains("</script"),
                "{name} contains </script"
            );
        }
    }
}
