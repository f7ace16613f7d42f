//! `nbench ab` (not built yet).

use nbench_schema::exit;

use crate::error::{Error, Result};

/// Arguments of `nbench ab`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// Inputs.
    pub inputs: Vec<std::path::PathBuf>,
}

/// Runs `nbench ab`.
pub fn main(_args: &Args) -> Result<i32> {
    let _ = exit::SUCCESS;
    Err(Error::bad("nbench ab is not built yet"))
}
