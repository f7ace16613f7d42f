//! Building a [`Summary`] from rows: grouping by probe, point and lane, then filling each cell
//! from its rows ([`pool`](super::pool) for time, [`ratio`](super::ratio) for the comparison).
//! Output order is fully determined by the rows' content, never by their order in the input,
//! so the same rows always give the same summary.

use std::collections::{BTreeMap, BTreeSet};

use nbench_schema::params::canonical;
use nbench_schema::{FidelityStatus, Params, Row, Status};

use super::{
    Cell, FailureEntry, FidelityMark, Options, Point, ProbeSummary, Protocol, SUMMARY_VERSION,
    SkipEntry, Source, Summary, pool, ratio,
};

/// A lane's identity; its sort order is the display order after the reference ranking.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LaneKey {
    backend: String,
    provider: String,
    platform: String,
    host: Option<String>,
    variant: Option<String>,
}

impl LaneKey {
    fn of(r: &Row, multi_host: bool) -> LaneKey {
        LaneKey {
            backend: r.backend.clone(),
            provider: r.provider.clone(),
            platform: r.platform.clone(),
            host: multi_host.then(|| hostname(r)),
            variant: r.variant.clone(),
        }
    }

    /// `faer`, `faer (numpy/cuda)`, `faer @bench-01`, `faer [candidate]`: the parts that are
    /// not the common case are spelled out.
    fn label(&self) -> String {
        let mut s = self.backend.clone();
        if self.provider != "native" || self.platform != "cpu" {
            s.push_str(&format!(" ({}/{})", self.provider, self.platform));
        }
        if let Some(h) = &self.host {
            s.push_str(&format!(" @{h}"));
        }
        if let Some(v) = &self.variant {
            s.push_str(&format!(" [{v}]"));
        }
        s
    }
}

fn hostname(r: &Row) -> String {
    r.host
        .as_ref()
        .map_or_else(|| "unknown".to_string(), |h| h.hostname.clone())
}

type Lanes<'a> = BTreeMap<LaneKey, Vec<&'a Row>>;

/// Summarises `rows`; their order does not matter.
pub fn summarize(rows: &[Row], opts: &Options) -> Summary {
    // A profiled attempt ran under a profiler: never a measurement to pool or count.
    if rows.iter().any(|r| r.profile.is_some()) {
        let measured: Vec<Row> = rows
            .iter()
            .filter(|r| r.profile.is_none())
            .cloned()
            .collect();
        return summarize(&measured, opts);
    }
    let hosts: BTreeSet<String> = rows.iter().map(hostname).collect();
    let multi_host = hosts.len() > 1;
    let mut grouped: BTreeMap<(String, String), BTreeMap<Params, Lanes>> = BTreeMap::new();
    for r in rows {
        grouped
            .entry((r.family.clone(), r.probe.clone()))
            .or_default()
            .entry(r.params.clone())
            .or_default()
            .entry(LaneKey::of(r, multi_host))
            .or_default()
            .push(r);
    }
    let requested = opts.reference.as_deref();
    let probes = grouped
        .into_iter()
        .map(|((family, probe), points)| probe_summary(family, probe, points, requested))
        .collect();
    let mut status_counts = BTreeMap::new();
    for r in rows {
        *status_counts.entry(r.status.to_string()).or_insert(0) += 1;
    }
    let families: BTreeSet<String> = rows.iter().map(|r| r.family.clone()).collect();
    Summary {
        summary_version: SUMMARY_VERSION,
        reference_rule: match requested {
            Some(r) => format!("--reference {r}"),
            // Worded as before when no probe declares one, so existing summaries read the same.
            None if rows.iter().any(|r| r.reference_backend.is_some()) => {
                "the probe's declared reference backend, else scalar, else naive, else a backend \
                 named naive… or scalar…, else the first backend by name, at each point"
                    .to_string()
            }
            None => "scalar, else naive, else a backend named naive… or scalar…, else the first \
                     backend by name, at each point"
                .to_string(),
        },
        multi_host,
        rows: rows.len(),
        status_counts,
        sources: sources(rows),
        protocols: protocols(rows),
        families: families.into_iter().collect(),
        probes,
        failures: failures(rows, multi_host),
        skipped: skipped(rows, multi_host),
    }
}

fn probe_summary(
    family: String,
    probe: String,
    points: BTreeMap<Params, Lanes>,
    requested: Option<&str>,
) -> ProbeSummary {
    // `--reference` wins; else the backend the probe declares (its rows carry it).
    let declared = points
        .values()
        .flat_map(|l| l.values().flatten())
        .find_map(|r| r.reference_backend.clone());
    let requested = requested.or(declared.as_deref());
    // Reference candidates lead the columns so the baseline is read first.
    let rank = |k: &LaneKey| match requested {
        Some(r) if r == k.backend => 0,
        _ => 1 + ratio::default_rank(&k.backend),
    };
    let mut keys: Vec<LaneKey> = points.values().flat_map(|l| l.keys().cloned()).collect();
    keys.sort_by_key(|k| (rank(k), k.clone()));
    keys.dedup();
    let points = points
        .into_iter()
        .map(|(params, lanes)| point(params, &keys, &lanes, requested))
        .collect();
    ProbeSummary {
        probe,
        family,
        lanes: keys.iter().map(LaneKey::label).collect(),
        points,
    }
}

fn point(params: Params, order: &[LaneKey], lanes: &Lanes, requested: Option<&str>) -> Point {
    let backends: BTreeSet<&str> = lanes.keys().map(|k| k.backend.as_str()).collect();
    let mut series_params = params.clone();
    let size = series_params.remove("size").and_then(|v| v.as_f64());
    let mut p = Point {
        label: canonical(&params),
        size,
        series: canonical(&series_params),
        reference: ratio::choose(&backends, requested),
        cells: order
            .iter()
            .filter_map(|k| lanes.get(k).map(|rows| cell(k, rows)))
            .collect(),
        params,
    };
    ratio::assign(&mut p, digests_agree(lanes));
    p
}

/// Every row of one seed saw the same instance, whatever its lane.
fn digests_agree(lanes: &Lanes) -> bool {
    let mut by_seed: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
    for r in lanes.values().flatten() {
        if let Some(d) = &r.problem_digest {
            by_seed.entry(r.seed).or_default().insert(d);
        }
    }
    by_seed.values().all(|d| d.len() <= 1)
}

fn cell(key: &LaneKey, rows: &[&Row]) -> Cell {
    let mut status_counts = BTreeMap::new();
    for r in rows {
        *status_counts.entry(r.status.to_string()).or_insert(0) += 1;
    }
    let fid: Vec<_> = rows.iter().filter_map(|r| r.fidelity.as_ref()).collect();
    let failed = rows.iter().any(|r| r.status == Status::FidelityFailed)
        || fid.iter().any(|f| f.status == FidelityStatus::Fail);
    let inconclusive = rows
        .iter()
        .any(|r| r.status == Status::FidelityInconclusive)
        || fid.iter().any(|f| f.status == FidelityStatus::Inconclusive);
    let fidelity = if failed {
        FidelityMark::Fail
    } else if inconclusive {
        FidelityMark::Inconclusive
    } else if fid.is_empty() {
        FidelityMark::None
    } else {
        FidelityMark::Pass
    };
    let metrics: Vec<_> = rows.iter().filter_map(|r| r.metrics.as_ref()).collect();
    let times: Vec<_> = metrics
        .iter()
        .filter_map(|m| m.steady_time.as_ref())
        .collect();
    let peak =
        |f: fn(&nbench_schema::Metrics) -> Option<u64>| metrics.iter().filter_map(|m| f(m)).max();
    Cell {
        lane: key.label(),
        backend: key.backend.clone(),
        provider: key.provider.clone(),
        platform: key.platform.clone(),
        host: key.host.clone(),
        variant: key.variant.clone(),
        rows: rows.len(),
        status_counts,
        fidelity,
        worst_rel_to_tol: fid
            .iter()
            .filter_map(|f| f.rel_to_tol)
            .max_by(f64::total_cmp),
        time: pool::pool(&times),
        peak_rss: peak(|m| m.peak_rss),
        peak_alloc: peak(|m| m.peak_alloc),
        peak_device_mem: peak(|m| m.peak_device_mem),
        ratio: None,
        log2_ratio: None,
        ratio_note: None,
    }
}

fn sources(rows: &[Row]) -> Vec<Source> {
    let mut by: BTreeMap<Source, usize> = BTreeMap::new();
    for r in rows {
        let h = r.host.as_ref();
        let key = Source {
            run_id: r.run_id.clone(),
            hostname: hostname(r),
            cpu_model: h.map_or("unknown".into(), |h| h.cpu_model.clone()),
            nbench_version: h.map_or("unknown".into(), |h| h.nbench_version.clone()),
            build_profile: h.map_or("unknown".into(), |h| h.build_profile.clone()),
            git_commit: h.and_then(|h| h.git_commit.clone()),
            git_dirty: h.and_then(|h| h.git_dirty),
            rows: 0,
        };
        *by.entry(key).or_insert(0) += 1;
    }
    by.into_iter()
        .map(|(s, n)| Source { rows: n, ..s })
        .collect()
}

fn protocols(rows: &[Row]) -> Vec<Protocol> {
    let mut out: Vec<Protocol> = Vec::new();
    for m in rows.iter().filter_map(|r| r.measurement.as_ref()) {
        let p = Protocol {
            timer: m.timer.clone(),
            cache: m.cache.clone(),
            warmup_s: m.warmup_s,
            warmup_steady_tol: m.warmup_steady_tol.filter(|t| *t > 0.0),
            sample_target_s: m.sample_target_s,
            min_samples: m.min_samples,
            max_samples: m.max_samples,
            target_rel_ci: m.target_rel_ci,
            time_cap_s: m.time_cap_s,
            threads: m.threads,
            rows: 0,
        };
        match out.iter_mut().find(|o| {
            Protocol {
                rows: 0,
                ..(*o).clone()
            } == p
        }) {
            Some(o) => o.rows += 1,
            None => out.push(Protocol { rows: 1, ..p }),
        }
    }
    out.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    out
}

fn failures(rows: &[Row], multi_host: bool) -> Vec<FailureEntry> {
    let mut out: Vec<FailureEntry> = rows
        .iter()
        .filter(|r| !r.status.is_ok() && r.status != Status::Skipped)
        .map(|r| FailureEntry {
            family: r.family.clone(),
            probe: r.probe.clone(),
            params: r.params.clone(),
            point: canonical(&r.params),
            lane: LaneKey::of(r, multi_host).label(),
            seed: r.seed,
            status: r.status.to_string(),
            stage: r.failure.as_ref().map(|f| f.stage.to_string()),
            message: r.failure.as_ref().map(|f| f.message.clone()),
            reason: r.failure.as_ref().and_then(|f| f.reason.clone()),
            run_id: r.run_id.clone(),
            attempt_id: r.attempt_id.clone(),
        })
        .collect();
    out.sort();
    out
}

fn skipped(rows: &[Row], multi_host: bool) -> Vec<SkipEntry> {
    let mut by: BTreeMap<SkipEntry, usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status == Status::Skipped) {
        let key = SkipEntry {
            family: r.family.clone(),
            probe: r.probe.clone(),
            params: r.params.clone(),
            point: canonical(&r.params),
            lane: LaneKey::of(r, multi_host).label(),
            message: r
                .failure
                .as_ref()
                .map_or(String::new(), |f| f.message.clone()),
            seeds: 0,
        };
        *by.entry(key).or_insert(0) += 1;
    }
    by.into_iter()
        .map(|(k, n)| SkipEntry { seeds: n, ..k })
        .collect()
}
