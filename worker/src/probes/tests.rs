//! Every built-in (probe, backend) through the real attempt path at its smallest point: it
//! passes fidelity (or is `skipped` for a missing CPU feature or an algebra the backend does
//! not cover), and every backend of a point sees the same digest. Smallest sizes only, tiny
//! policy, no timing assertions.

use std::collections::BTreeSet;

use nbench_schema::{AxisKind, MeasurePolicy, PROTOCOL_VERSION, ParamValue, Params, Spec, Status};

use crate::attempt;
use crate::protocol::Emitter;
use crate::registry::Registry;

fn spec(probe: &str, backend: &str, params: &Params) -> Spec {
    Spec {
        protocol: PROTOCOL_VERSION,
        run_id: "r".into(),
        attempt_id: "a00000".into(),
        probe: probe.into(),
        params: params.clone(),
        seed: 0,
        backend: backend.into(),
        provider: "native".into(),
        platform: "cpu".into(),
        policy: MeasurePolicy {
            warmup_s: 0.0,
            warmup_steady_tol: 0.0,
            sample_target_s: 0.0005,
            min_samples: 2,
            max_samples: 5,
            target_rel_ci: 0.5,
            time_cap_s: 0.01,
            cache: "hot".into(),
            keep_samples: false,
        },
        variant: None,
        cache_dir: None,
        provider_platforms: None,
    }
}

/// The smallest value of every int axis, every value of every name axis, the representative of
/// float axes.
fn smallest_points(info: &nbench_schema::ProbeInfo) -> Vec<Params> {
    let mut points = vec![Params::new()];
    for axis in &info.axes {
        let values: Vec<ParamValue> = match axis.kind {
            AxisKind::Int => axis.values.iter().min().cloned().into_iter().collect(),
            AxisKind::Str => axis.values.clone(),
            AxisKind::Float => vec![axis.representative.clone()],
        };
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut p = p.clone();
                    p.insert(axis.name.clone(), v.clone());
                    p
                })
            })
            .collect();
    }
    points
}

fn check_family(family: &str) {
    let reg = Registry::builtin();
    let infos: Vec<_> = reg
        .catalogue()
        .into_iter()
        .filter(|i| i.family == family)
        .collect();
    assert!(!infos.is_empty(), "no probes in family {family}");
    for info in infos {
        for point in smallest_points(&info) {
            let mut digests = BTreeSet::new();
            // Device backends (`cuda`) need hardware: worker/src/cuda tests them without it.
            for backend in info.backends.iter().filter(|b| b.platform == "cpu") {
                let s = spec(&info.name, &backend.name, &point);
                let row = attempt::run(&s, &reg, &mut Emitter::new(Box::new(std::io::sink())));
                let what = format!("{} {} {:?}", info.name, backend.name, point);
                let failure = row.failure.clone();
                match row.status {
                    Status::Ok => {
                        let m = row.metrics.as_ref().expect("metrics");
                        assert!(m.steady_time.is_some() && m.throughput.is_some(), "{what}");
                        assert!(m.bandwidth.is_some(), "{what}: bytes not declared");
                    }
                    Status::Skipped => {
                        let reason = failure.as_ref().and_then(|f| f.reason.clone());
                        assert!(
                            matches!(
                                reason.as_deref(),
                                Some("missing_cpu_feature" | "backend_not_applicable")
                            ),
                            "{what}: skipped for {reason:?}"
                        );
                    }
                    other => panic!("{what}: {other:?} {failure:?} {:?}", row.fidelity),
                }
                if let Some(d) = row.problem_digest {
                    digests.insert(d);
                }
            }
            assert_eq!(digests.len(), 1, "{} {point:?}: {digests:?}", info.name);
        }
    }
}

#[test]
fn vec_family_passes_fidelity_everywhere() {
    check_family("vec");
}

#[test]
fn tensor_family_passes_fidelity_everywhere() {
    check_family("tensor");
}

#[test]
fn semiring_family_passes_fidelity_everywhere() {
    check_family("semiring");
}

#[test]
fn space_family_passes_fidelity_everywhere() {
    check_family("space");
}

#[test]
fn linop_family_passes_fidelity_everywhere() {
    check_family("linop");
}

#[test]
fn graph_family_passes_fidelity_everywhere() {
    check_family("graph");
}
