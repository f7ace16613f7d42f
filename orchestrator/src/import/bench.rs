//! The tool-neutral result every reader produces, and the one place its times become a
//! [`TimeStats`]: statistics computed from samples when the tool kept them, else the tool's own
//! summary with stand-ins for what it did not give (listed, so rows can say which are real).
//! Pure; no I/O.

use nbench_schema::{Params, Status, TimeStats};

/// One tool output.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// The tool, as [`super::Reader::tool`] names it.
    pub tool: &'static str,
    /// Its version, when the output says it.
    pub version: Option<String>,
    /// When the tool ran, RFC 3339, when the output says it.
    pub date: Option<String>,
    /// The machine's name and CPU, when the output says them.
    pub hostname: Option<String>,
    pub cpu: Option<String>,
    pub benches: Vec<Bench>,
}

/// One benchmark of the tool's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Bench {
    /// Its name in the file, verbatim.
    pub name: String,
    /// The group it belongs to; the probe is `<tool>.<group>`.
    pub group: String,
    /// The alternative measured within the group (command, function, test).
    pub backend: String,
    /// Its arguments.
    pub params: Params,
    pub times: Times,
    /// `ok`, or how the tool said it failed.
    pub status: Status,
    /// Why it is not `ok`, in the tool's words.
    pub message: Option<String>,
    /// A process's non-zero exit code, when the tool recorded one.
    pub exit_code: Option<i32>,
    /// The largest resident set the tool recorded, in bytes.
    pub peak_rss: Option<u64>,
}

/// What a unit of [`Times::Samples`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleUnit {
    /// One whole run of a process (hyperfine).
    Process,
    /// One timed batch of calls inside the tool's process.
    Batch,
}

impl SampleUnit {
    /// The name rows use.
    pub fn name(self) -> &'static str {
        match self {
            SampleUnit::Process => "process",
            SampleUnit::Batch => "batch",
        }
    }
}

/// The times of one benchmark, in seconds per call.
#[derive(Debug, Clone, PartialEq)]
pub enum Times {
    /// Per-sample times, in the order taken.
    Samples {
        values: Vec<f64>,
        iters_per_sample: u64,
        unit: SampleUnit,
    },
    /// Summary statistics only.
    Summary(Given),
    /// Nothing timed (a failed or skipped benchmark).
    None,
}

/// The summary statistics a tool gave; `None` where it gave none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Given {
    pub min: Option<f64>,
    pub median: Option<f64>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub p25: Option<f64>,
    pub p75: Option<f64>,
    pub max: Option<f64>,
    pub n: Option<u64>,
    pub iters_per_sample: u64,
}

/// The largest time accepted, in the tool's own unit: far beyond any real benchmark (11 days
/// in nanoseconds), and small enough that sums and squares of samples stay finite.
pub const MAX_TIME: f64 = 1e15;

/// A time as the tool wrote it: finite, not negative and at most [`MAX_TIME`], else an error
/// naming `what`.
pub fn check_time(v: f64, what: &str) -> Result<f64, String> {
    if (0.0..=MAX_TIME).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{what} is {v}, not a time (0 to {MAX_TIME:e})"))
    }
}

/// The `steady_time` of `times` and the names of the fields that are real; `None` when nothing
/// was timed.
pub fn time_stats(times: &Times) -> Option<(TimeStats, Vec<String>)> {
    match times {
        Times::None => None,
        // The same statistics the native worker computes from its samples.
        Times::Samples {
            values,
            iters_per_sample,
            ..
        } => nbench_schema::stats::time_stats(values, (*iters_per_sample).max(1), true)
            .map(|t| (t, all_fields())),
        Times::Summary(g) => from_summary(g),
    }
}

const FIELDS: [&str; 11] = [
    "min", "median", "mean", "std", "mad", "p25", "p75", "p95", "p99", "max", "n",
];

fn all_fields() -> Vec<String> {
    FIELDS.iter().map(|s| s.to_string()).collect()
}

/// The tool's summary with stand-ins: a missing centre takes the other centre, a missing
/// quartile the median, a missing min/max the nearest given order statistic, p95/p99 the max,
/// a missing spread 0. Needs a median or a mean.
fn from_summary(g: &Given) -> Option<(TimeStats, Vec<String>)> {
    let median = g.median.or(g.mean)?;
    let mean = g.mean.unwrap_or(median);
    let p25 = g.p25.unwrap_or(median);
    let p75 = g.p75.unwrap_or(median);
    let min = g.min.unwrap_or(p25.min(median));
    let max = g.max.unwrap_or(p75.max(median));
    let mut measured = Vec::new();
    let mut mark = |name: &str, given: bool| {
        if given {
            measured.push(name.to_string());
        }
    };
    mark("min", g.min.is_some());
    mark("median", g.median.is_some());
    mark("mean", g.mean.is_some());
    mark("std", g.std.is_some());
    mark("p25", g.p25.is_some());
    mark("p75", g.p75.is_some());
    mark("max", g.max.is_some());
    mark("n", g.n.is_some());
    let stats = TimeStats {
        min,
        median,
        mean,
        std: g.std.unwrap_or(0.0),
        mad: 0.0,
        p25,
        p75,
        p95: max,
        p99: max,
        max,
        n: g.n.unwrap_or(1).max(1),
        iters_per_sample: g.iters_per_sample.max(1),
        samples: None,
    };
    Some((stats, measured))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_give_every_statistic() {
        let t = Times::Samples {
            values: vec![4.0, 1.0, 3.0, 2.0, 5.0],
            iters_per_sample: 10,
            unit: SampleUnit::Batch,
        };
        let (s, measured) = time_stats(&t).unwrap();
        assert_eq!(
            (s.min, s.median, s.max, s.p25, s.p75),
            (1.0, 3.0, 5.0, 2.0, 4.0)
        );
        assert_eq!(s.mad, 1.0);
        assert!((s.std - 2.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.samples.as_deref(), Some(&[4.0, 1.0, 3.0, 2.0, 5.0][..]));
        assert_eq!(measured.len(), 11);
    }

    #[test]
    fn a_summary_marks_its_stand_ins() {
        let g = Given {
            median: Some(2.0),
            mean: Some(2.5),
            std: Some(0.5),
            n: Some(3),
            ..Given::default()
        };
        let (s, measured) = time_stats(&Times::Summary(g)).unwrap();
        assert_eq!((s.min, s.p25, s.p95, s.max), (2.0, 2.0, 2.0, 2.0));
        assert_eq!(measured, ["median", "mean", "std", "n"]);
        assert!(time_stats(&Times::Summary(Given::default())).is_none());
    }
}
