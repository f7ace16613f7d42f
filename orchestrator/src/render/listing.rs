//! The probe catalogue as `nbench list` prints it: a fixed-width table (one probe per line:
//! name, family, backends, axes with the quick value; with several workers, which provides
//! each probe) or the catalogue's JSON with each probe's worker. Formatting only;
//! which probes are shown is the command's choice.

use std::fmt::Write;

use nbench_schema::ProbeInfo;

use super::Exporter;

/// `nbench list --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A fixed-width table, then the providers.
    #[default]
    Table,
    /// The selected probes' catalogue entries.
    Json,
}

/// `--format table`.
pub struct Table;

impl Exporter<[&ProbeInfo]> for Table {
    fn write(&self, doc: &[&ProbeInfo], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all(table(doc).as_bytes())
    }
}

/// A probe with the command line of the worker that provides it.
pub type ByWorker<'a> = (&'a ProbeInfo, Vec<String>);

/// `--format json`: the selected probes' catalogue entries as the workers printed them.
pub struct Json;

impl Exporter<[&ProbeInfo]> for Json {
    fn write(&self, doc: &[&ProbeInfo], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, doc)?;
        w.write_all(b"\n")
    }
}

/// `nbench list --format json`: each catalogue entry with a `worker` field, its worker's argv.
pub struct JsonByWorker;

impl Exporter<[ByWorker<'_>]> for JsonByWorker {
    fn write(&self, doc: &[ByWorker<'_>], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let entries: Vec<serde_json::Value> = doc
            .iter()
            .map(|(p, argv)| {
                let mut v = serde_json::to_value(p).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("worker".into(), argv.clone().into());
                }
                v
            })
            .collect();
        serde_json::to_writer_pretty(&mut *w, &entries)?;
        w.write_all(b"\n")
    }
}

/// The table section of a run with several workers: which worker provides each probe.
pub struct Workers;

impl Exporter<[ByWorker<'_>]> for Workers {
    fn write(&self, doc: &[ByWorker<'_>], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let width = doc
            .iter()
            .map(|(p, _)| p.name.len())
            .max()
            .unwrap_or(0)
            .max(5);
        writeln!(w, "\n{:<width$}  worker", "probe")?;
        for (p, argv) in doc {
            writeln!(w, "{:<width$}  {}", p.name, argv.join(" "))?;
        }
        Ok(())
    }
}

/// A fixed-width table, one probe per line.
fn table(probes: &[&ProbeInfo]) -> String {
    let rows: Vec<[String; 4]> = probes
        .iter()
        .map(|p| {
            let backends: Vec<String> = p
                .backends
                .iter()
                .map(|b| {
                    if b.platform == "cpu" {
                        b.name.clone()
                    } else {
                        format!("{}@{}", b.name, b.platform)
                    }
                })
                .collect();
            let axes: Vec<String> = p
                .axes
                .iter()
                .map(|a| {
                    let vals: Vec<String> = a.values.iter().map(|v| v.to_string()).collect();
                    let open = if a.open { ",…" } else { "" };
                    format!(
                        "{}={{{}{open}}} (quick {})",
                        a.name,
                        vals.join(","),
                        a.representative
                    )
                })
                .collect();
            [
                p.name.clone(),
                p.family.clone(),
                backends.join(","),
                axes.join("  "),
            ]
        })
        .collect();
    let head = ["probe", "family", "backends", "parameters"];
    let mut w = head.map(str::len);
    for r in &rows {
        for i in 0..3 {
            w[i] = w[i].max(r[i].len());
        }
    }
    let head = head.map(str::to_string);
    let mut out = String::new();
    for r in std::iter::once(&head).chain(&rows) {
        let _ = writeln!(
            out,
            "{:<a$}  {:<b$}  {:<c$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            a = w[0],
            b = w[1],
            c = w[2]
        );
    }
    out
}
