//! The orchestrator's error type and its mapping to documented exit codes.
//!
//! Every variant's message is one lowercase line naming what was wrong and, where there is a
//! fixed set, what is valid; I/O errors carry their path. This module must not print anything.

use std::path::PathBuf;

use nbench_schema::exit;

/// Result with the orchestrator's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user asked for something that does not exist or does not make sense.
    #[error("{0}")]
    BadInput(String),
    /// A file or directory the user named could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file or directory could not be written before anything was measured.
    #[error("cannot write {}: {source}", path.display())]
    Unwritable {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file nbench was writing failed during a run (rows so far are kept).
    #[error("writing {} failed: {source}", path.display())]
    WriteFailed {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The worker binary is missing or does not answer `list`.
    #[error("{0}")]
    Worker(String),
    /// Something that should not fail did, at run time.
    #[error("{0}")]
    Runtime(String),
    /// A stop signal (SIGINT, SIGTERM, SIGHUP) arrived before the run had started.
    #[error("interrupted before any attempt started; no run was recorded")]
    Interrupted,
}

impl Error {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BadInput(_)
            | Error::Read { .. }
            | Error::Unwritable { .. }
            | Error::Worker(_) => exit::BAD_INPUT,
            Error::WriteFailed { .. } | Error::Runtime(_) => exit::RUNTIME_ERROR,
            Error::Interrupted => exit::INTERRUPTED,
        }
    }

    /// Shorthand for [`Error::BadInput`].
    pub fn bad(msg: impl Into<String>) -> Error {
        Error::BadInput(msg.into())
    }
}
