//! The reporters without a bar: [`Lines`] prints one line per finished attempt (CI logs stay
//! readable and greppable), [`Quiet`] only the notes. Display only.

use std::io::Write;

use nbench_schema::Row;

use super::{Reporter, line};

/// `--progress lines`.
pub struct Lines;

impl Reporter for Lines {
    fn finished(&mut self, done: usize, total: usize, row: &Row) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", line(done, total, row));
        let _ = out.flush();
    }

    fn note(&mut self, msg: &str) {
        let _ = writeln!(std::io::stdout().lock(), "{msg}");
    }
}

/// `--progress quiet`: notes go to stderr, nothing else is shown.
pub struct Quiet;

impl Reporter for Quiet {
    fn note(&mut self, msg: &str) {
        eprintln!("{msg}");
    }
}
