//! `nbench merge`: the shard runs of one plan made into one run. [`input`] reads each shard
//! strictly; [`combine`] checks that they share a plan id, keeps exactly one row per attempt by
//! a fixed rule, orders the rows as the plan does, and builds the merged manifest from the inputs
//! alone, so merging the same inputs in any order gives the same bytes; [`missing`] finds what
//! the inputs lack (attempts without a final row in a shard, shards with no input). It writes
//! nothing (`commands::merge` writes the directory) and computes no statistics (the summary
//! does).

pub mod combine;
pub mod input;
pub mod missing;

pub use combine::{Merged, combine};
pub use input::Input;
pub use missing::Missing;
