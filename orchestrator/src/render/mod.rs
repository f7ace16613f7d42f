//! Rendering: every output format implements [`Exporter`] for the document it renders (a
//! summary, a comparison, the catalogue, a report or dashboard). Each command picks its format
//! from one `ValueEnum` that maps a value to its exporter, so adding a format is one file and
//! one enum variant. Output is deterministic: the same document gives the same bytes (sorted, no
//! wall-clock text), which is what the snapshot tests pin. Renderers select and format; they
//! never compute metrics.

pub mod compare;

/// An output format for documents of type `D`.
pub trait Exporter<D: ?Sized> {
    /// Writes the rendered document to `w`; fails only when `w` does.
    fn write(&self, doc: &D, w: &mut dyn std::io::Write) -> std::io::Result<()>;

    /// The rendered document as text (snapshots, the job summary, in-memory use).
    fn render(&self, doc: &D) -> String {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write(doc, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Writes `doc` to stdout; a closed pipe (`nbench … | head`) ends the output quietly.
pub fn to_stdout<D: ?Sized>(exporter: &dyn Exporter<D>, doc: &D) -> crate::error::Result<()> {
    let mut out = std::io::stdout().lock();
    match exporter
        .write(doc, &mut out)
        .and_then(|()| std::io::Write::flush(&mut out))
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::error::Error::Runtime(
            format!("cannot write to stdout: {e}"),
        )),
        _ => Ok(()),
    }
}

pub mod cells;
pub mod csv;
pub mod escape;
pub mod export;
pub mod html;
pub mod json;
pub mod listing;
pub mod markdown;
pub mod report;
pub mod table;
