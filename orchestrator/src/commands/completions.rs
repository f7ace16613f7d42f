//! `nbench completions SHELL` and `nbench man`: the command line's own description, generated
//! from the argument definitions in [`crate::cli`] (clap_complete, clap_mangen), so the script
//! and the page can never disagree with the parser. Writes to stdout only.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;
use nbench_schema::exit;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Arguments of `nbench completions`.
#[derive(Debug, clap::Args, Clone)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script for the shell.
pub fn main(args: &Args) -> Result<i32> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "nbench", &mut out);
    emit(&out)
}

/// Prints the man page.
pub fn man() -> Result<i32> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::Runtime(format!("cannot render the man page: {e}")))?;
    emit(&out)
}

fn emit(bytes: &[u8]) -> Result<i32> {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`nbench man | head`) is the reader's choice, not an error.
    let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
    Ok(exit::SUCCESS)
}
