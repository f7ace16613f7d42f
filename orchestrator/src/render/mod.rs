//! Rendering: every output format implements [`Exporter`] for the document it renders (a
//! summary, a comparison). Output is deterministic: the same document gives the same bytes
//! (sorted, no wall-clock text), which is what the snapshot tests pin. Renderers select and
//! format; they never compute metrics.

pub mod compare;

/// An output format for documents of type `D`.
pub trait Exporter<D: ?Sized> {
    /// The name users pass to `--format`.
    fn format(&self) -> &'static str;
    /// The rendered document.
    fn render(&self, doc: &D) -> String;
}

pub mod cells;
pub mod csv;
pub mod escape;
pub mod html;
pub mod json;
pub mod markdown;
pub mod report;
pub mod table;
