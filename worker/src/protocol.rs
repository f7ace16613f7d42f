//! The worker's side of the protocol: reading the one-line spec from stdin and writing events
//! to stdout, one flushed JSON line each.
//!
//! This module owns stdout: every event goes through [`Emitter`], and nothing else in the
//! crate prints there (the `garbage`/`torn` faults bypass it on purpose). It does not decide
//! what to emit or when.

use std::io::{self, BufRead, Write};

use nbench_schema::{Event, Hello, PROTOCOL_VERSION, Row, Spec, Stage};

/// Why the spec could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// Reading stdin failed.
    #[error("could not read the spec from stdin: {0}")]
    Io(#[from] io::Error),
    /// Stdin closed before a line.
    #[error("no spec on stdin: expected one JSON line")]
    Empty,
    /// Not JSON at all.
    #[error("the spec on stdin is not JSON: {0}")]
    NotJson(serde_json::Error),
    /// A protocol this worker does not speak.
    #[error("the spec speaks protocol {found}, but this worker speaks protocol {expected}")]
    Protocol {
        /// The spec's `protocol`.
        found: String,
        /// [`PROTOCOL_VERSION`].
        expected: u32,
    },
    /// JSON, the right protocol, but not a valid spec.
    #[error("invalid spec: {0}")]
    Invalid(serde_json::Error),
}

/// Reads one line and parses it as a [`Spec`], checking the protocol before the shape so a
/// newer runner gets the version message rather than a field error.
pub fn read_spec(mut input: impl BufRead) -> Result<Spec, SpecError> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 || line.trim().is_empty() {
        return Err(SpecError::Empty);
    }
    let value: serde_json::Value = serde_json::from_str(&line).map_err(SpecError::NotJson)?;
    let protocol = value.get("protocol");
    if protocol.and_then(serde_json::Value::as_u64) != Some(u64::from(PROTOCOL_VERSION)) {
        return Err(SpecError::Protocol {
            found: protocol.map_or_else(|| "(missing)".to_string(), ToString::to_string),
            expected: PROTOCOL_VERSION,
        });
    }
    serde_json::from_value(value).map_err(SpecError::Invalid)
}

/// Writes events, one JSON line each, flushed per line. A write error is kept (the runner went
/// away) and later writes are skipped; the caller turns it into the exit code.
pub struct Emitter {
    out: Box<dyn Write>,
    error: Option<io::Error>,
}

impl Emitter {
    /// Events to stdout.
    pub fn stdout() -> Self {
        Self::new(Box::new(io::stdout()))
    }

    /// Events to any writer (tests use a sink or a buffer).
    pub fn new(out: Box<dyn Write>) -> Self {
        Emitter { out, error: None }
    }

    /// Writes one event line.
    pub fn emit(&mut self, event: &Event) {
        if self.error.is_some() {
            return;
        }
        let result = serde_json::to_string(event)
            .map_err(io::Error::other)
            .and_then(|mut line| {
                line.push('\n');
                self.out.write_all(line.as_bytes())?;
                self.out.flush()
            });
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// The `hello` event for this build.
    pub fn hello(&mut self) {
        self.emit(&Event::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            worker: "nbench-worker".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            build_profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .to_string(),
        }));
    }

    /// A `stage` event.
    pub fn stage(&mut self, stage: Stage) {
        self.emit(&Event::Stage { stage });
    }

    /// The `row` event.
    pub fn row(&mut self, row: Row) {
        self.emit(&Event::Row { row: Box::new(row) });
    }

    /// The first write error, if any.
    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_errors_are_specific() {
        assert!(matches!(read_spec(&b""[..]), Err(SpecError::Empty)));
        assert!(matches!(
            read_spec(&b"nope\n"[..]),
            Err(SpecError::NotJson(_))
        ));
        let wrong = read_spec(&b"{\"protocol\": 9}\n"[..]);
        assert!(matches!(wrong, Err(SpecError::Protocol { .. })));
        let invalid = read_spec(&b"{\"protocol\": 1}\n"[..]);
        assert!(matches!(invalid, Err(SpecError::Invalid(_))));
    }
}
