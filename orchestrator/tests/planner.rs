//! The planner over a synthetic catalogue: order, filters, and the errors for bad filters.

use std::collections::BTreeMap;

use nbench::catalogue::Catalogue;
use nbench::planner::{Filters, plan};
use nbench_schema::{AxisInfo, AxisKind, BackendInfo, ParamValue, ProbeInfo};

fn probe(
    name: &str,
    sizes: &[i64],
    backends: &[(&str, &str)],
    hidden: bool,
    open: bool,
) -> ProbeInfo {
    let axis = if name.starts_with("calib") {
        "ms"
    } else {
        "size"
    };
    ProbeInfo {
        name: name.into(),
        family: name.split('.').next().unwrap().into(),
        description: String::new(),
        axes: vec![AxisInfo {
            name: axis.into(),
            kind: AxisKind::Int,
            values: sizes.iter().map(|&s| ParamValue::Int(s)).collect(),
            representative: ParamValue::Int(sizes[sizes.len() / 2]),
            open,
        }],
        backends: backends
            .iter()
            .map(|(n, p)| BackendInfo {
                name: (*n).into(),
                platform: (*p).into(),
                requires: Vec::new(),
            })
            .collect(),
        hidden,
        reference: None,
    }
}

fn cat() -> Catalogue {
    Catalogue {
        probes: vec![
            probe(
                "vec.add",
                &[100, 1000, 10000],
                &[("scalar", "cpu"), ("avx2", "cpu"), ("cuda", "cuda")],
                false,
                false,
            ),
            probe(
                "tensor.matmul",
                &[100, 1000],
                &[("naive", "cpu"), ("faer", "cpu")],
                false,
                false,
            ),
            probe("calib.sleep", &[1], &[("calib", "cpu")], true, true),
        ],
    }
}

fn key(a: &nbench::planner::Attempt) -> String {
    format!(
        "{} {} s{} {}",
        a.probe,
        nbench_schema::params::canonical(&a.params),
        a.seed,
        a.backend
    )
}

#[test]
fn backends_of_a_point_and_seed_are_adjacent() {
    let f = Filters {
        matches: vec!["vec.add".into()],
        quick: true,
        ..Default::default()
    };
    let p = plan(&cat(), &f).unwrap();
    let keys: Vec<String> = p.iter().map(key).collect();
    assert_eq!(
        &keys[..4],
        [
            "vec.add size=1000 s0 scalar",
            "vec.add size=1000 s0 avx2",
            "vec.add size=1000 s1 scalar",
            "vec.add size=1000 s1 avx2"
        ]
    );
    assert_eq!(
        p.len(),
        8,
        "cuda backend excluded unless --platforms includes cuda"
    );
    assert!(
        p.iter()
            .enumerate()
            .all(|(i, a)| a.index == i && a.id == format!("a{i:05}"))
    );
}

#[test]
fn full_sweep_covers_every_point_and_seed() {
    let p = plan(
        &cat(),
        &Filters {
            matches: vec!["tensor.*".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.len(), 2 * 4 * 2);
}

#[test]
fn seeds_are_the_outermost_loop() {
    let p = plan(
        &cat(),
        &Filters {
            families: vec!["tensor".into(), "vec".into()],
            backends: vec!["scalar".into(), "naive".into(), "faer".into()],
            ..Default::default()
        },
    )
    .unwrap();
    // One seed block, probes in catalogue order: vec.add (3 points × 1 backend), then
    // tensor.matmul (2 points × 2 backends).
    let block = 2 * 2 + 3;
    assert_eq!(p.len(), 4 * block);
    for (i, a) in p.iter().enumerate() {
        assert_eq!(a.seed, (i / block) as u64, "{}", key(a));
    }
    let keys: Vec<String> = p.iter().map(key).collect();
    assert_eq!(
        &keys[..block + 1],
        [
            "vec.add size=100 s0 scalar",
            "vec.add size=1000 s0 scalar",
            "vec.add size=10000 s0 scalar",
            "tensor.matmul size=100 s0 naive",
            "tensor.matmul size=100 s0 faer",
            "tensor.matmul size=1000 s0 naive",
            "tensor.matmul size=1000 s0 faer",
            "vec.add size=100 s1 scalar",
        ]
    );
}

#[test]
fn ab_pairs_are_adjacent_and_balanced_within_each_point() {
    use nbench::commands::ab::{BASELINE, CANDIDATE, interleave};
    // Two points × one backend per seed block: an even block, where flipping on the plan
    // index alone would give every seed of a point the same order.
    let p = plan(
        &cat(),
        &Filters {
            matches: vec!["tensor.*".into()],
            backends: vec!["faer".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let n = p.len();
    let ab = interleave(p, std::path::Path::new("/a"), std::path::Path::new("/b"));
    assert_eq!(ab.len(), 2 * n);
    let mut first: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for (i, pair) in ab.chunks(2).enumerate() {
        assert_eq!(key(&pair[0]), key(&pair[1]), "a pair is one attempt twice");
        let v: Vec<_> = pair.iter().map(|a| a.variant.clone().unwrap()).collect();
        assert!(
            v == [BASELINE, CANDIDATE] || v == [CANDIDATE, BASELINE],
            "{v:?}"
        );
        assert_eq!(pair[0].index, 2 * i);
        let point = format!("{} {}", pair[0].probe, pair[0].params["size"]);
        first.entry(point).or_default().push(v[0] == BASELINE);
    }
    for (point, order) in &first {
        assert_eq!(
            order,
            &[true, false, true, false].map(|b| b ^ !order[0]),
            "{point}: the order alternates over the seeds"
        );
    }
    // Neighbouring pairs of one seed block alternate too.
    let leads: Vec<bool> = ab
        .chunks(2)
        .map(|p| p[0].variant.as_deref() == Some(BASELINE))
        .collect();
    for block in leads.chunks(n / 4) {
        assert!(block.windows(2).all(|w| w[0] != w[1]), "{leads:?}");
    }
}

#[test]
fn calib_is_hidden_unless_its_family_is_named() {
    let p = plan(
        &cat(),
        &Filters {
            quick: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(p.iter().all(|a| a.family != "calib"));
    let mut params = BTreeMap::new();
    params.insert("ms".to_string(), vec![ParamValue::Int(37)]);
    let p = plan(
        &cat(),
        &Filters {
            families: vec!["calib".into()],
            params,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p.len(), 4, "an open axis accepts any value");
    assert_eq!(p[0].params["ms"], ParamValue::Int(37));
}

#[test]
fn platforms_fan_out() {
    let f = Filters {
        matches: vec!["vec.add".into()],
        quick: true,
        platforms: vec!["cpu".into(), "cuda".into()],
        ..Default::default()
    };
    let p = plan(&cat(), &f).unwrap();
    assert_eq!(p.len(), 12);
    assert_eq!(p.iter().filter(|a| a.platform == "cuda").count(), 4);
}

#[test]
fn bad_filters_name_the_valid_choices() {
    let err = |f: Filters| plan(&cat(), &f).unwrap_err().to_string();
    let e = err(Filters {
        families: vec!["nope".into()],
        ..Default::default()
    });
    assert!(
        e.contains("unknown family `nope`") && e.contains("calib, tensor, vec"),
        "{e}"
    );
    let e = err(Filters {
        backends: vec!["x".into()],
        ..Default::default()
    });
    assert!(
        e.contains("unknown backend `x`") && e.contains("avx2"),
        "{e}"
    );
    let mut params = BTreeMap::new();
    params.insert("size".to_string(), vec![ParamValue::Int(7)]);
    let e = err(Filters {
        matches: vec!["vec.add".into()],
        params,
        ..Default::default()
    });
    assert!(
        e.contains("--size 7: no selected probe takes `7` for `size`")
            && e.contains("(vec.add) take int values 100, 1000, 10000"),
        "{e}"
    );
    let e = err(Filters {
        platforms: vec!["tpu".into()],
        ..Default::default()
    });
    assert!(
        e.contains("unknown platform `tpu`") && e.contains("cpu, cuda"),
        "{e}"
    );
}

#[test]
fn params_parse_from_the_command_line() {
    let (k, v) = nbench::planner::parse_param("size=100,1000").unwrap();
    assert_eq!(k, "size");
    assert_eq!(v, vec![ParamValue::Int(100), ParamValue::Int(1000)]);
    assert!(nbench::planner::parse_param("size").is_err());
}
