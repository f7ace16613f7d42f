//! Live progress of a run: a progress bar when stdout is a terminal, plain lines (one per
//! finished attempt) when it is not, so CI logs stay readable. Display only; it never decides
//! anything and holds no row. Row text goes through [`escape::terminal`]: a worker's probe
//! name or failure message must not become a terminal control sequence or a CI command.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nbench_schema::{Row, params::canonical};

use crate::attempt::Attempt;
use crate::render::escape;
use crate::units;

/// The progress display.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
}

impl Progress {
    /// A bar on a terminal, plain lines otherwise.
    pub fn new(total: usize) -> Progress {
        let bar = std::io::stdout().is_terminal().then(|| {
            let b = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stdout());
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Progress {
            bar,
            total,
            done: 0,
        }
    }

    /// An attempt started.
    pub fn started(&mut self, a: &Attempt) {
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "{} {} seed={} {}",
                escape::terminal(&a.probe),
                escape::terminal(&canonical(&a.params)),
                a.seed,
                escape::terminal(&a.backend)
            ));
        }
    }

    /// An attempt's row was written.
    pub fn finished(&mut self, row: &Row) {
        self.done += 1;
        let line = line(self.done, self.total, row);
        match &self.bar {
            Some(b) => {
                b.inc(1);
                if row.status.is_failure() {
                    b.println(line);
                }
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
        }
    }

    /// A one-off message.
    pub fn note(&mut self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => println!("{msg}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// `[  3/20] ok              vec.add size=1000 seed=2 scalar  12.3 µs`.
pub fn line(done: usize, total: usize, row: &Row) -> String {
    let width = total.to_string().len();
    let what = match (
        &row.failure,
        row.metrics.as_ref().and_then(|m| m.steady_time.as_ref()),
    ) {
        (Some(f), Some(t)) => format!(
            "median {}  ({}: {})",
            units::seconds(t.median),
            escape::terminal(f.stage.as_str()),
            escape::terminal(&f.message)
        ),
        (Some(f), None) => format!(
            "{}: {}",
            escape::terminal(f.stage.as_str()),
            escape::terminal(&f.message)
        ),
        (None, Some(t)) => format!("median {}", units::seconds(t.median)),
        (None, None) => String::new(),
    };
    format!(
        "[{done:>width$}/{total}] {:<21} {} {} seed={} {}  {what}",
        escape::terminal(row.status.as_str()),
        escape::terminal(&row.probe),
        escape::terminal(&canonical(&row.params)),
        row.seed,
        escape::terminal(&row.backend),
    )
}
