//! Property tests of sharding over random plans (docs/scale-out.md): for every strategy — hash,
//! slice by count, slice balanced by random weights — and every shard count 1..16, the shards
//! are disjoint, together they are the plan exactly (ids and order kept), and all attempts of
//! a point are in one shard.

use std::collections::{BTreeMap, BTreeSet};

use nbench::attempt::Attempt;
use nbench::shard::{self, Chosen, Strategy};
use nbench_schema::{ParamValue, Params};
use proptest::prelude::*;

const PROBES: [&str; 5] = [
    "vec.add",
    "vec.dot",
    "tensor.matmul",
    "graph.spmv",
    "space.fft",
];

/// The planner's order: seed, then probe, then point, then backend.
fn plan(sizes: &[(usize, i64)], seeds: u64, backends: usize, repeat: usize) -> Vec<Attempt> {
    let mut out = Vec::new();
    for _ in 0..repeat {
        for seed in 0..seeds {
            for (probe, size) in sizes {
                for b in 0..backends {
                    let index = out.len();
                    let mut params = Params::new();
                    params.insert("size".into(), ParamValue::Int(*size));
                    out.push(Attempt {
                        index,
                        id: format!("a{index:05}"),
                        probe: PROBES[*probe].into(),
                        family: "vec".into(),
                        params,
                        seed,
                        backend: format!("b{b}"),
                        provider: "native".into(),
                        platform: "cpu".into(),
                        worker: None,
                        worker_args: Vec::new(),
                        variant: None,
                        policy: None,
                    });
                }
            }
        }
    }
    out
}

fn check(plan: &[Attempt], strategy: Strategy, n: u32, weights: Option<&BTreeMap<String, f64>>) {
    let mut owner: BTreeMap<String, u32> = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut points = 0;
    for index in 0..n {
        let chosen = Chosen {
            strategy,
            index,
            count: n,
            engine: None,
        };
        let s = shard::select(plan.to_vec(), &chosen, weights);
        assert_eq!(s.plan_attempts, plan.len());
        points += s.points;
        let positions: Vec<usize> = s.attempts.iter().map(|a| a.index).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "plan order kept");
        for a in &s.attempts {
            assert_eq!(&plan[a.index], a, "attempt unchanged, id kept");
            assert!(seen.insert(a.id.clone()), "{} in two shards", a.id);
            let k = shard::point_key(a);
            assert_eq!(
                *owner.entry(k.clone()).or_insert(index),
                index,
                "point {k} split"
            );
        }
    }
    assert_eq!(seen.len(), plan.len(), "the shards together are the plan");
    assert_eq!(
        points,
        shard::points(plan).len(),
        "every point in one shard"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn shards_partition_the_plan_by_whole_points(
        sizes in proptest::collection::btree_set((0..PROBES.len(), 1i64..50), 1..30),
        seeds in 1u64..5,
        backends in 1usize..4,
        repeat in 1usize..3,
        n in 1u32..16,
        raw in proptest::collection::vec(0.0f64..100.0, 30),
        measured in proptest::collection::vec(any::<bool>(), 30),
    ) {
        let sizes: Vec<(usize, i64)> = sizes.into_iter().collect();
        let plan = plan(&sizes, seeds, backends, repeat);
        check(&plan, Strategy::Hash, n, None);
        check(&plan, Strategy::Slice, n, None);
        // Some points measured, some not (they weigh the mean).
        let weights: BTreeMap<String, f64> = shard::points(&plan)
            .into_iter()
            .zip(raw.iter().zip(&measured))
            .filter(|(_, (_, m))| **m)
            .map(|(k, (w, _))| (k, *w))
            .collect();
        check(&plan, Strategy::Slice, n, Some(&weights));
    }
}

#[test]
fn a_balanced_slice_beats_a_count_slice_on_skewed_weights() {
    let sizes: Vec<(usize, i64)> = (0..8).map(|i| (0, i + 1)).collect();
    let plan = plan(&sizes, 1, 1, 1);
    // One heavy point and seven light ones: by count, the heavy one shares its shard.
    let weights: BTreeMap<String, f64> = shard::points(&plan)
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, if i == 0 { 70.0 } else { 10.0 }))
        .collect();
    let load = |w: Option<&BTreeMap<String, f64>>, index| {
        let c = Chosen {
            strategy: Strategy::Slice,
            index,
            count: 2,
            engine: None,
        };
        shard::select(plan.clone(), &c, w)
            .attempts
            .iter()
            .map(|a| weights[&shard::point_key(a)])
            .sum::<f64>()
    };
    assert_eq!((load(None, 0), load(None, 1)), (100.0, 40.0));
    assert_eq!(
        (load(Some(&weights), 0), load(Some(&weights), 1)),
        (70.0, 70.0)
    );
}
