//! The torch provider end to end on CPU (docs/providers.md): `nbench run --provider native,torch` over
//! every family torch implements, through the real binaries and the Python worker. Needs an
//! interpreter with torch in `NBENCH_PYTHON` (`scripts/py-env.sh --with-torch`); under CI
//! `scripts/test.sh` builds one and sets `NBENCH_REQUIRE_TORCH`, so there the test cannot skip.

use std::collections::{BTreeMap, BTreeSet};

use nbench_schema::{Status, params::canonical};
use nbench_tests::{FAST, Nbench};

/// One probe of each family the torch provider implements, at its representative point.
const PROBES: &[&str] = &[
    "--quick",
    "--match",
    "vec.add",
    "--match",
    "vec.argmax",
    "--match",
    "vec.softmax",
    "--match",
    "tensor.matmul",
    "--match",
    "semiring.matmul",
    "--match",
    "graph.ell_aggregate",
];

#[test]
fn torch_rows_share_native_digests_and_pass_fidelity() {
    let required = std::env::var_os("NBENCH_REQUIRE_TORCH").is_some();
    let Some(py) = nbench_tests::python_with("torch", required) else {
        return;
    };
    let cache = tempfile::tempdir().expect("tempdir");
    let out = Nbench::new(&["run", "--provider", "native,torch"])
        .args(PROBES)
        .args(FAST)
        .python(&py, cache.path())
        .with_store()
        .run();
    let rows = out.rows();
    let mut digests: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut torch_probes = BTreeSet::new();
    for r in &rows {
        // A native SIMD backend this CPU lacks is skipped; everything else must be ok.
        if r.status == Status::Skipped && r.provider == "native" {
            continue;
        }
        if r.status != Status::Ok {
            out.fail(&format!(
                "{} {} {} seed {} is {}: {:?}",
                r.provider, r.backend, r.probe, r.seed, r.status, r.failure
            ));
        }
        let key = format!("{} {} {}", r.probe, canonical(&r.params), r.seed);
        let d = r.problem_digest.clone().expect("every ok row has a digest");
        digests.entry(key).or_default().insert(d);
        if r.provider == "torch" {
            assert_eq!((r.backend.as_str(), r.platform.as_str()), ("torch", "cpu"));
            let f = r.fidelity.as_ref().expect("torch rows are compared");
            assert!(f.rel_to_tol.is_some_and(|x| x <= 1.0), "{}: {f:?}", r.probe);
            let t = r.metrics.as_ref().and_then(|m| m.steady_time.as_ref());
            assert!(t.is_some_and(|t| t.median > 0.0), "{}", r.probe);
            torch_probes.insert((r.probe.clone(), r.seed));
        }
    }
    // Six probes × four seeds, each measured by torch on the instance native generated.
    assert_eq!(torch_probes.len(), 24, "{}", out.stdout);
    for (key, ds) in &digests {
        assert_eq!(
            ds.len(),
            1,
            "{key}: providers disagree on the digest {ds:?}"
        );
    }
    let manifest = out.manifest();
    let torch = manifest["providers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["provider"] == "torch"))
        .unwrap_or_else(|| out.fail("the manifest lists the torch provider"));
    assert!(torch["versions"]["torch"].is_string(), "{torch}");
}
