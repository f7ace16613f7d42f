//! Live progress of a run, behind one [`Reporter`] trait so the dispatcher tells it what happened
//! and never knows how it is shown: a terminal bar ([`bar`]), plain lines for logs
//! ([`plain::Lines`]), nothing ([`plain::Quiet`]), or JSON events for machines ([`json`]).
//! `--progress` picks one; `auto` is the bar on a terminal, else lines. Display only: a reporter
//! decides nothing and holds no row.

pub mod bar;
pub mod json;
pub mod plain;

use std::io::IsTerminal;

use nbench_schema::{Row, params::canonical};

use crate::attempt::Attempt;
use crate::render::escape;
use crate::units;

/// What the dispatcher reports. Every method has a no-op default, so a reporter implements
/// only what it shows.
pub trait Reporter: Send {
    /// An attempt started.
    fn started(&mut self, _a: &Attempt) {}
    /// An attempt's row was written: the `done`-th of `total`.
    fn finished(&mut self, _done: usize, _total: usize, _row: &Row) {}
    /// The predicted seconds the run has left (when the plan has a prediction).
    fn eta(&mut self, _remaining_s: f64) {}
    /// A one-off message (an interrupt, a store error).
    fn note(&mut self, _msg: &str) {}
    /// The run is over: clear what is on screen.
    fn finish(&mut self) {}
}

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// The bar on a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// A live bar (failures printed above it).
    Bar,
    /// One line per finished attempt.
    Lines,
    /// Nothing but notes about interrupts and errors.
    Quiet,
    /// One JSON object per event, on stdout.
    Json,
}

/// What the dispatcher holds: the chosen reporter and the count of finished attempts.
pub struct Progress {
    reporter: Box<dyn Reporter>,
    done: usize,
    total: usize,
    forecast: Option<Forecast>,
    /// The seconds left by pacing's reckoning, once it has one: it replaces the first
    /// prediction's, which pacing has overruled.
    paced: Option<f64>,
}

/// The plan's predicted seconds per attempt, and which attempts have finished.
struct Forecast {
    index: std::collections::HashMap<String, usize>,
    per_attempt: Vec<f64>,
    finished: Vec<bool>,
    slots: usize,
}

impl Progress {
    /// The reporter `mode` picks, over a plan of `total` attempts.
    pub fn new(mode: Mode, total: usize) -> Progress {
        Progress {
            reporter: reporter(mode, total),
            done: 0,
            total,
            forecast: None,
            paced: None,
        }
    }

    /// With the ETA: `per_attempt` is `plan`'s predicted seconds per attempt, in plan order,
    /// on `slots` slots.
    pub fn with_forecast(mut self, plan: &[Attempt], per_attempt: Vec<f64>, slots: usize) -> Self {
        let f = Forecast {
            index: plan
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.clone(), i))
                .collect(),
            finished: vec![false; per_attempt.len()],
            per_attempt,
            slots,
        };
        self.reporter.eta(crate::analysis::predict::remaining_s(
            &f.per_attempt,
            &f.finished,
            f.slots,
        ));
        self.forecast = Some(f);
        self
    }

    /// Pacing's seconds left (docs/budget.md, "Pacing"): the ETA from now on.
    pub fn paced(&mut self, remaining_s: f64) {
        self.paced = Some(remaining_s);
        self.reporter.eta(remaining_s);
    }

    /// An attempt started.
    pub fn started(&mut self, a: &Attempt) {
        self.reporter.started(a);
    }

    /// An attempt's row was written.
    pub fn finished(&mut self, row: &Row) {
        self.done += 1;
        self.reporter.finished(self.done, self.total, row);
        if let Some(f) = &mut self.forecast {
            if let Some(done) = f
                .index
                .get(&row.attempt_id)
                .and_then(|&i| f.finished.get_mut(i))
            {
                *done = true;
            }
            let left = self.paced.unwrap_or_else(|| {
                crate::analysis::predict::remaining_s(&f.per_attempt, &f.finished, f.slots)
            });
            self.reporter.eta(left);
        }
    }

    /// A one-off message.
    pub fn note(&mut self, msg: &str) {
        self.reporter.note(msg);
    }

    /// Clears the display.
    pub fn finish(&mut self) {
        self.reporter.finish();
    }
}

/// The reporter for `mode` over a plan of `total` attempts.
pub fn reporter(mode: Mode, total: usize) -> Box<dyn Reporter> {
    let mode = match mode {
        Mode::Auto if std::io::stdout().is_terminal() => Mode::Bar,
        Mode::Auto => Mode::Lines,
        m => m,
    };
    match mode {
        Mode::Bar => Box::new(bar::Bar::new(total)),
        Mode::Quiet => Box::new(plain::Quiet),
        Mode::Json => Box::new(json::Events),
        Mode::Auto | Mode::Lines => Box::new(plain::Lines),
    }
}

/// `[  3/20] ok              vec.add size=1000 seed=2 scalar  12.3 µs`, escaped for a terminal
/// (a hostile probe name cannot inject control sequences or CI workflow commands).
pub fn line(done: usize, total: usize, row: &Row) -> String {
    let width = total.to_string().len();
    let what = match (
        &row.failure,
        row.metrics.as_ref().and_then(|m| m.steady_time.as_ref()),
    ) {
        (Some(f), Some(t)) => format!(
            "median {}  ({}: {})",
            units::seconds(t.median),
            f.stage,
            f.message
        ),
        (Some(f), None) => format!("{}: {}", f.stage, f.message),
        (None, Some(t)) => format!("median {}", units::seconds(t.median)),
        (None, None) => String::new(),
    };
    // An `ab` run says which build each line is.
    let side = row
        .variant
        .as_ref()
        .map(|v| format!(" [{v}]"))
        .unwrap_or_default();
    let text = format!(
        "{:<21} {} {} seed={} {}{side}  {what}",
        row.status.as_str(),
        row.probe,
        canonical(&row.params),
        row.seed,
        row.backend,
    );
    format!("[{done:>width$}/{total}] {}", escape::terminal(&text))
}

/// What the bar shows of a running attempt.
pub fn label(a: &Attempt) -> String {
    let side = a
        .variant
        .as_ref()
        .map(|v| format!(" [{v}]"))
        .unwrap_or_default();
    escape::terminal(&format!(
        "{} {} seed={} {}{side}",
        a.probe,
        canonical(&a.params),
        a.seed,
        a.backend
    ))
}
