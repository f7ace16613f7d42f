//! The stable wire types of nbench.
//!
//! This crate owns everything that crosses a process or a file boundary: the result [`Row`]
//! (schema version 1, frozen and additive-only), the worker protocol ([`Spec`] on stdin,
//! [`Event`]s on stdout), the probe catalogue a worker prints with `list`, and the documented
//! exit codes of both binaries. It must not depend on any other nbench crate, and it does no
//! measuring, scheduling or rendering: it only describes, reads and checks data.
//!
//! Compatibility rules (docs/architecture.md, "The row and compatibility"):
//! - readers ignore fields they do not know, so a v1 reader reads any later v1 row;
//! - new optional fields and new status or stage values may be added; nothing is renamed,
//!   removed or changes meaning or unit;
//! - no `#[serde(flatten)]` and no untagged enums: open enums ([`Status`], [`Stage`]) keep a
//!   value they do not know in an `Other` variant so it round-trips unchanged.

pub mod catalogue;
pub mod event;
pub mod exit;
pub mod imported;
mod open_enum;
pub mod params;
pub mod read;
pub mod row;
pub mod stats;
pub mod status;

pub use catalogue::{AxisInfo, AxisKind, BackendInfo, ProbeInfo};
pub use event::{Event, Hello, MeasurePolicy, PROTOCOL_VERSION, Spec};
pub use imported::Imported;
pub use params::{ParamValue, Params};
pub use read::{ReadError, parse_row};
pub use row::*;
pub use status::{Stage, Status};

/// The row schema version this crate writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of [`Row`], generated from the types; committed as `schema/row.schema.json`.
pub fn row_json_schema() -> String {
    let schema = schemars::schema_for!(Row);
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON schema always serializes");
    text.push('\n');
    text
}
