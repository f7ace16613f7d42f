//! Matching rows across the two sides on `(probe, params, seed, backend, provider, platform)`
//! and grouping matched keys into points. The A/B `variant` is deliberately not part of the
//! key: it is what tells the two sides of an `ab` run apart. A side holding two rows for one
//! key is refused (the user must say `--latest`), never silently resolved.

use std::collections::BTreeMap;

use nbench_schema::Row;
use nbench_schema::params::canonical;

use super::doc::Unmatched;
use crate::error::{Error, Result};

/// A gate key: a point and a lane, every seed pooled — the unit one gate verdict judges
/// (`docs/architecture.md`, "Glossary").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GateKey {
    pub probe: String,
    pub params: String,
    pub backend: String,
    pub provider: String,
    pub platform: String,
}

impl GateKey {
    fn of(r: &Row) -> GateKey {
        GateKey {
            probe: r.probe.clone(),
            params: canonical(&r.params),
            backend: r.backend.clone(),
            provider: r.provider.clone(),
            platform: r.platform.clone(),
        }
    }

    /// `probe[params] backend/provider/platform`.
    pub fn name(&self) -> String {
        format!(
            "{}[{}] {}/{}/{}",
            self.probe, self.params, self.backend, self.provider, self.platform
        )
    }

    fn with_seed(&self, seed: u64) -> String {
        format!(
            "{}[{}] seed={seed} {}/{}/{}",
            self.probe, self.params, self.backend, self.provider, self.platform
        )
    }
}

/// Matched rows by point, then seed; plus what matched nothing.
pub struct Matched<'a> {
    pub points: BTreeMap<GateKey, BTreeMap<u64, (&'a Row, &'a Row)>>,
    pub unmatched: Vec<Unmatched>,
}

/// Matches `baseline` against `current`.
pub fn match_rows<'a>(baseline: &'a [Row], current: &'a [Row]) -> Result<Matched<'a>> {
    let b = index(baseline, "baseline")?;
    let c = index(current, "current")?;
    let mut points: BTreeMap<GateKey, BTreeMap<u64, (&Row, &Row)>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for ((pk, seed), rb) in &b {
        match c.get(&(pk.clone(), *seed)) {
            Some(rc) => {
                points
                    .entry(pk.clone())
                    .or_default()
                    .insert(*seed, (*rb, *rc));
            }
            None => unmatched.push(Unmatched {
                side: "baseline".into(),
                key: pk.with_seed(*seed),
            }),
        }
    }
    for (pk, seed) in c.keys() {
        if !b.contains_key(&(pk.clone(), *seed)) {
            unmatched.push(Unmatched {
                side: "current".into(),
                key: pk.with_seed(*seed),
            });
        }
    }
    unmatched.sort();
    Ok(Matched { points, unmatched })
}

/// Refuses a comparison in which a matched key's two rows were measured on different hosts
/// (hostname or CPU model differ; rows without a host, such as imported ones, are not judged):
/// such a difference is the machines', not the change's. Names the first pair of hosts and how
/// many keys they cover; `--allow-cross-host` skips this check.
pub fn same_hosts(m: &Matched) -> Result<()> {
    let host = |r: &Row| {
        r.host
            .as_ref()
            .map(|h| format!("{} ({})", h.hostname, h.cpu_model))
    };
    let mut crossed = 0;
    let mut first = None;
    for (pk, seeds) in &m.points {
        for (seed, (b, c)) in seeds {
            if let (Some(hb), Some(hc)) = (host(b), host(c))
                && hb != hc
            {
                crossed += 1;
                first.get_or_insert((pk.with_seed(*seed), hb, hc));
            }
        }
    }
    let Some((key, hb, hc)) = first else {
        return Ok(());
    };
    Err(Error::bad(format!(
        "refusing to compare across hosts: {crossed} matched key{} measured on different machines, first {key}: baseline on {hb}, current on {hc}; timings of different machines differ by the machine, not by the change (pass --allow-cross-host to compare anyway)",
        if crossed == 1 { " was" } else { "s were" }
    )))
}

type Index<'a> = BTreeMap<(GateKey, u64), &'a Row>;

fn index<'a>(rows: &'a [Row], side: &str) -> Result<Index<'a>> {
    let mut out: Index<'a> = BTreeMap::new();
    for r in rows {
        let pk = GateKey::of(r);
        if let Some(old) = out.insert((pk.clone(), r.seed), r) {
            if old.variant != r.variant {
                return Err(Error::bad(format!(
                    "{side} mixes A/B variants ({} and {}) for {}; an `nbench ab` run is gated by `nbench ab` itself, or split its rows by `variant` first",
                    old.variant.as_deref().unwrap_or("none"),
                    r.variant.as_deref().unwrap_or("none"),
                    pk.with_seed(r.seed)
                )));
            }
            return Err(Error::bad(format!(
                "{side} holds more than one row for {} (several runs?); pass --latest to keep the newest row per key",
                pk.with_seed(r.seed)
            )));
        }
    }
    Ok(out)
}
