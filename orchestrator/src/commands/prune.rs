//! `nbench prune` (not built yet).

use nbench_schema::exit;

use crate::error::{Error, Result};

/// Arguments of `nbench prune`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Inputs.
    pub inputs: Vec<std::path::PathBuf>,
}

/// Runs `nbench prune`.
pub fn main(_args: &Args) -> Result<i32> {
    let _ = exit::SUCCESS;
    Err(Error::bad("nbench prune is not built yet"))
}
