//! The terminal bar: elapsed time, position, the predicted time left and the running attempt; failed attempts are printed
//! above it so they stay on screen. Display only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nbench_schema::Row;

use super::{Reporter, label, line};
use crate::attempt::Attempt;

/// `--progress bar`.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(total: usize) -> Bar {
        let b = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stdout());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {prefix} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar { bar: Some(b) }
    }
}

impl Reporter for Bar {
    fn started(&mut self, a: &Attempt) {
        if let Some(b) = &self.bar {
            b.set_message(label(a));
        }
    }

    fn finished(&mut self, done: usize, total: usize, row: &Row) {
        if let Some(b) = &self.bar {
            b.inc(1);
            if row.status.is_failure() {
                b.println(line(done, total, row));
            }
        }
    }

    fn eta(&mut self, remaining_s: f64) {
        if let Some(b) = &self.bar {
            b.set_prefix(format!("ETA {}", crate::units::seconds(remaining_s)));
        }
    }

    fn note(&mut self, msg: &str) {
        if let Some(b) = &self.bar {
            b.println(msg);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
