//! The ratio of each lane to its point's reference backend, on pooled `min`.
//!
//! Policy (documented in `docs/reports.md`): the reference backend is `--reference` when given,
//! else the first of [`DEFAULT_REFERENCES`](super::DEFAULT_REFERENCES) present at the point,
//! else the first backend whose name starts with one of them (`naive-dense`), else the
//! alphabetically first backend there. A lane is compared with the reference lane of
//! its own host and A/B variant (ratios never cross machines), preferring the native CPU lane.
//! A ratio is only a claim of speed when both sides computed the right answer on the same
//! instances, so it is refused, with the reason, when either side failed or could not decide
//! fidelity, has no `ok` measurement, or when the backends' problem digests differ.

use std::collections::BTreeSet;

use super::{Cell, DEFAULT_REFERENCES, FidelityMark, Point};

/// The reference backend for a point with these backends.
pub fn choose(backends: &BTreeSet<&str>, requested: Option<&str>) -> Option<String> {
    if let Some(r) = requested {
        return Some(r.to_string());
    }
    backends
        .iter()
        .min_by_key(|b| (default_rank(b), **b))
        .map(|b| b.to_string())
}

/// How strongly a backend's name says "plain baseline": an exact default name by its position,
/// then a name starting with one (`naive-dense`), then anything else.
pub fn default_rank(backend: &str) -> usize {
    let n = DEFAULT_REFERENCES.len();
    DEFAULT_REFERENCES
        .iter()
        .position(|d| *d == backend)
        .or_else(|| {
            DEFAULT_REFERENCES
                .iter()
                .position(|d| backend.starts_with(d))
                .map(|i| n + i)
        })
        .unwrap_or(2 * n)
}

/// Fills `ratio`, `log2_ratio` and `ratio_note` of every cell of `point`. `digests_agree` says
/// whether every lane of each seed saw the same problem digest.
pub fn assign(point: &mut Point, digests_agree: bool) {
    let Some(reference) = point.reference.clone() else {
        for c in &mut point.cells {
            c.ratio_note = Some("no reference backend at this point".into());
        }
        return;
    };
    let snapshot = point.cells.clone();
    for cell in &mut point.cells {
        let ref_cell = reference_cell(&snapshot, cell, &reference);
        match verdict(cell, ref_cell, &reference, digests_agree) {
            Ok(ratio) => {
                cell.ratio = Some(ratio);
                cell.log2_ratio = Some(ratio.log2());
                if cell.lane == ref_cell.map_or("", |r| r.lane.as_str()) {
                    cell.ratio_note = Some("reference".into());
                }
            }
            Err(why) => cell.ratio_note = Some(why),
        }
    }
}

/// The reference lane on the cell's host and variant, preferring native CPU.
fn reference_cell<'a>(cells: &'a [Cell], of: &Cell, reference: &str) -> Option<&'a Cell> {
    let mut same: Vec<&Cell> = cells
        .iter()
        .filter(|c| c.backend == reference && c.host == of.host && c.variant == of.variant)
        .collect();
    same.sort_by_key(|c| (c.provider != "native", c.platform != "cpu", c.lane.clone()));
    same.first().copied()
}

fn verdict(
    cell: &Cell,
    reference: Option<&Cell>,
    name: &str,
    digests_agree: bool,
) -> Result<f64, String> {
    let Some(r) = reference else {
        return Err(format!("reference backend {name} has no rows here"));
    };
    if !digests_agree {
        return Err("problem digests differ between backends: not the same instances".into());
    }
    side(cell, "")?;
    side(r, &format!("reference {} ", r.lane))?;
    match (&cell.time, &r.time) {
        (Some(t), Some(rt)) if rt.min > 0.0 => Ok(t.min / rt.min),
        _ => Err("reference min time is zero".into()),
    }
}

/// Whether one side may take part in a ratio; `who` prefixes the reason.
fn side(c: &Cell, who: &str) -> Result<(), String> {
    match c.fidelity {
        FidelityMark::Fail => {
            let worst = c
                .worst_rel_to_tol
                .map_or("non-finite output".to_string(), |w| {
                    format!("rel_to_tol {w:.3e}")
                });
            return Err(format!("{who}failed fidelity ({worst})"));
        }
        FidelityMark::Inconclusive => return Err(format!("{who}fidelity inconclusive")),
        FidelityMark::Pass | FidelityMark::None => {}
    }
    if c.status_counts.keys().all(|s| s == "skipped") {
        return Err(format!("{who}skipped on purpose").trim_start().to_string());
    }
    if c.status_counts.get("ok").copied().unwrap_or(0) == 0 || c.time.is_none() {
        return Err(format!("{who}has no ok measurement")
            .trim_start()
            .to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_backend_is_the_default_reference() {
        let set = |v: &[&'static str]| v.iter().copied().collect::<BTreeSet<&str>>();
        let pick = |v: &[&'static str], r: Option<&str>| choose(&set(v), r);
        assert_eq!(
            pick(&["avx2", "scalar", "naive"], None).as_deref(),
            Some("scalar")
        );
        assert_eq!(
            pick(&["faer", "fused", "naive-dense"], None).as_deref(),
            Some("naive-dense")
        );
        assert_eq!(pick(&["fused", "faer"], None).as_deref(), Some("faer"));
        assert_eq!(
            pick(&["faer", "naive"], Some("faer")).as_deref(),
            Some("faer")
        );
    }
}
