//! Markdown from minijinja templates built into the binary (`orchestrator/templates/*.md.j2`),
//! and `--format md` of a [`Summary`]. Every value a template prints is Markdown-escaped by the
//! environment's formatter, so a template cannot forget to escape row text; templates only lay
//! out what the view (formatted by [`cells`](super::cells)) gives them.

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::analysis::summary::Summary;

use super::Exporter;
use super::cells::{self, CellText};
use super::escape;

const TABLES: &str = include_str!("../../templates/tables.md.j2");
const SUMMARY: &str = include_str!("../../templates/summary.md.j2");
const REPORT: &str = include_str!("../../templates/report.md.j2");

/// The environment holding the built-in Markdown templates, escaping every printed value.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_formatter(|out, _state, value| {
        let text = if value.is_none() || value.is_undefined() {
            String::new()
        } else if value.is_safe() {
            value.to_string()
        } else {
            escape::markdown(&value.to_string())
        };
        out.write_str(&text)
            .map_err(|_| minijinja::Error::new(ErrorKind::WriteFailure, "cannot write markdown"))
    });
    // The templates are compiled into the binary and parsed by the tests: a failure here is a
    // bug in nbench, not in anything a user supplied.
    for (name, src) in [
        ("tables.md.j2", TABLES),
        ("summary.md.j2", SUMMARY),
        ("report.md.j2", REPORT),
    ] {
        env.add_template(name, src)
            .unwrap_or_else(|e| panic!("built-in template {name} does not parse: {e}"));
    }
    env
}

/// Renders a built-in template with `ctx`.
pub fn render(template: &str, ctx: Value) -> String {
    let env = environment();
    env.get_template(template)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| panic!("built-in template {template} failed to render: {e:#}"))
}

/// A family's tables, as the templates lay them out.
#[derive(Debug, Serialize)]
pub struct FamilyView {
    pub name: String,
    pub probes: Vec<ProbeView>,
}

/// One probe's table.
#[derive(Debug, Serialize)]
pub struct ProbeView {
    pub probe: String,
    pub lines: Vec<CellText>,
}

/// The tables of every family, in the summary's order.
pub fn families(doc: &Summary) -> Vec<FamilyView> {
    doc.families
        .iter()
        .map(|f| FamilyView {
            name: f.clone(),
            probes: doc
                .probes
                .iter()
                .filter(|p| &p.family == f)
                .map(|p| ProbeView {
                    probe: p.probe.clone(),
                    lines: cells::probe_lines(p),
                })
                .collect(),
        })
        .collect()
}

/// `--format md`.
pub struct Markdown;

impl Exporter<Summary> for Markdown {
    fn write(&self, doc: &Summary, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let text: String = {
            render(
                "summary.md.j2",
                minijinja::context! {
                    families => families(doc),
                    rows => doc.rows,
                    reference_rule => doc.reference_rule,
                },
            )
        };
        w.write_all(text.as_bytes())
    }
}
