//! Analysis: every derived number nbench reports — ratios against a reference backend,
//! seed-pooled statistics, gate verdicts — is computed here and nowhere else, and written as a
//! derived artifact. Renderers select and format what this module produced; they do no metric
//! arithmetic. Rows are never rewritten.

pub mod budget;
pub mod gate;
pub mod pace;
pub mod predict;
pub mod summary;
