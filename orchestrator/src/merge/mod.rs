//! `nbench merge`: the shard runs of one plan made into one run. [`input`] reads each shard
//! strictly; [`combine`] checks that they share a plan id, keeps exactly one row per attempt by
//! a fixed rule, orders the rows as the plan does, finds what is missing (attempts without a
//! final row in a shard, shards with no input) and builds the merged manifest from the inputs
//! alone, so merging the same inputs in any order gives the same bytes. It writes nothing
//! (`commands::merge` writes the directory) and computes no statistics (the summary does).

pub mod combine;
pub mod input;

pub use combine::{Merged, Missing, combine};
pub use input::Input;
