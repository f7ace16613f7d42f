//! The one timestamp format of rows and manifests: RFC 3339 in UTC with microseconds, so
//! timestamps sort as text and compare across hosts. Formatting only; it never reads a clock.

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 UTC with microseconds.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}
