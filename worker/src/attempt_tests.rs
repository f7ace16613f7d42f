//! Tests of the whole attempt path (spec → stages → row) against built-in and deliberately
//! broken test-only probes. Small sizes and tiny policies only; no timing assertions.

use std::io::Write;
use std::sync::{Arc, Mutex};

use nbench_schema::{
    BackendInfo, Event, MeasurePolicy, PROTOCOL_VERSION, ParamValue, Params, ProbeInfo, Row, Spec,
    Stage, Status, Threshold,
};

use crate::attempt;
use crate::probe::{Instance, Kernel, Probe, ProbeError, SetupCtx, Work, int_axis};
use crate::probes::calib::spin_instance;
use crate::protocol::Emitter;
use crate::registry::Registry;

fn tiny_policy() -> MeasurePolicy {
    MeasurePolicy {
        warmup_s: 0.01,
        warmup_steady_tol: 0.01,
        sample_target_s: 0.001,
        min_samples: 3,
        max_samples: 50,
        target_rel_ci: 0.05,
        time_cap_s: 0.05,
        cache: "hot".into(),
        keep_samples: true,
    }
}

fn spec(probe: &str, backend: &str, params: &[(&str, ParamValue)], seed: u64) -> Spec {
    Spec {
        protocol: PROTOCOL_VERSION,
        run_id: "r".into(),
        attempt_id: "a00000".into(),
        probe: probe.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Params>(),
        seed,
        backend: backend.into(),
        provider: "native".into(),
        platform: "cpu".into(),
        policy: tiny_policy(),
        variant: None,
        cache_dir: None,
        provider_platforms: None,
    }
}

fn run_with(registry: &Registry, spec: &Spec) -> Row {
    attempt::run(spec, registry, &mut Emitter::new(Box::new(std::io::sink())))
}

fn run(spec: &Spec) -> Row {
    run_with(&Registry::builtin(), spec)
}

fn message(row: &Row) -> String {
    row.failure
        .as_ref()
        .map(|f| f.message.clone())
        .unwrap_or_default()
}

fn int(v: i64) -> ParamValue {
    ParamValue::Int(v)
}

fn text(v: &str) -> ParamValue {
    ParamValue::Str(v.into())
}

#[test]
fn every_vec_and_tensor_backend_is_ok_at_its_smallest_point() {
    let reg = Registry::builtin();
    for info in reg
        .catalogue()
        .iter()
        .filter(|i| i.family == "vec" || i.family == "tensor")
    {
        let dtypes: Vec<ParamValue> = info
            .axis("dtype")
            .map(|a| a.values.clone())
            .unwrap_or_default();
        let size = info
            .axis("size")
            .and_then(|a| a.values.iter().min().cloned());
        let mut points: Vec<Vec<(&str, ParamValue)>> = Vec::new();
        let sized = vec![("size", size.clone().unwrap_or(int(100)))];
        if dtypes.is_empty() {
            points.push(sized);
        } else {
            for d in dtypes {
                points.push(vec![sized[0].clone(), ("dtype", d)]);
            }
        }
        // Device backends (`cuda`) need hardware: worker/src/cuda tests them without it.
        for backend in info.backends.iter().filter(|b| b.platform == "cpu") {
            for point in &points {
                let row = run(&spec(&info.name, &backend.name, point, 0));
                // An instruction set this CPU lacks is a `skipped` row, not a failure.
                let reason = row.failure.as_ref().and_then(|f| f.reason.as_deref());
                if row.status == Status::Skipped && reason == Some("missing_cpu_feature") {
                    continue;
                }
                assert_eq!(
                    row.status,
                    Status::Ok,
                    "{} {}: {}",
                    info.name,
                    backend.name,
                    message(&row)
                );
                let m = row.metrics.as_ref().expect("metrics");
                assert!(
                    m.steady_time
                        .as_ref()
                        .is_some_and(|t| t.n >= 1 && t.samples.is_some())
                );
                assert!(m.cold_time.is_some() && m.setup_time.is_some() && m.peak_rss.is_some());
                assert!(m.throughput.is_some() && m.bandwidth.is_some());
                // `vec.copy` moves bytes and does no arithmetic, so it declares no flops.
                assert_eq!(m.gflops.is_some(), info.name != "vec.copy", "{}", info.name);
                assert!(row.measurement.is_some() && row.failure.is_none());
                assert_eq!(row.problem_digest.as_ref().map(String::len), Some(16));
            }
        }
    }
}

#[test]
fn calib_workloads_are_exact_and_alloc_counts_its_heap() {
    for (probe, params) in [
        ("calib.spin", vec![("work", int(1))]),
        ("calib.sleep", vec![("ms", int(0))]),
        ("calib.alloc", vec![("mib", int(2))]),
    ] {
        let row = run(&spec(probe, "calib", &params, 0));
        assert_eq!(row.status, Status::Ok, "{probe}: {}", message(&row));
    }
    let row = run(&spec("calib.alloc", "calib", &[("mib", int(4))], 0));
    let peak = row.metrics.and_then(|m| m.peak_alloc).expect("peak_alloc");
    assert!((4 << 20..5 << 20).contains(&peak), "{peak}");
}

#[test]
fn digest_depends_on_point_and_seed_only() {
    let point = [("size", int(100)), ("dtype", text("f32"))];
    let digest = |backend: &str, seed: u64| {
        run(&spec("tensor.matmul", backend, &point, seed))
            .problem_digest
            .expect("digest")
    };
    assert_eq!(digest("naive", 0), digest("naive", 0));
    assert_eq!(digest("naive", 0), digest("faer", 0));
    assert_ne!(digest("naive", 0), digest("naive", 1));

    let s = spec("calib.spin", "calib", &[("work", int(1))], 0);
    let spin_digest = |scale: f64| {
        let mut ctx = SetupCtx::new(&s, 1);
        spin_instance(&mut ctx, scale)
            .map(|_| ctx.digest.hex())
            .expect("setup")
    };
    assert_eq!(spin_digest(1.0), spin_digest(0.25));
}

#[test]
fn unknown_names_end_in_error_listing_valid_ones() {
    let row = run(&spec("vec.nope", "scalar", &[("size", int(100))], 0));
    assert_eq!(row.status, Status::Error);
    assert!(message(&row).contains("vec.add") && message(&row).contains("tensor.matmul"));
    assert_eq!(row.family, "vec");

    let row = run(&spec(
        "tensor.matmul",
        "blas",
        &[("size", int(100)), ("dtype", text("f64"))],
        0,
    ));
    assert_eq!(row.status, Status::Error);
    assert!(message(&row).contains("naive, faer"), "{}", message(&row));

    let cases: [(&[(&str, ParamValue)], &str); 4] = [
        (&[("size", int(100)), ("bogus", int(1))], "size"),
        (&[], "100, 1000, 10000, 100000, 1000000"),
        (&[("size", int(7))], "100, 1000, 10000, 100000, 1000000"),
        (&[("size", text("big"))], "must be an integer"),
    ];
    for (params, expected) in cases {
        let row = run(&spec("vec.add", "scalar", params, 0));
        assert_eq!(row.status, Status::Error);
        assert!(message(&row).contains(expected), "{}", message(&row));
        assert_eq!(
            row.failure.as_ref().map(|f| f.stage.clone()),
            Some(Stage::Setup)
        );
        assert!(row.problem_digest.is_none() && row.measurement.is_none());
    }

    let fault = [("kind", text("meltdown")), ("stage", text("measure"))];
    let row = run(&spec("calib.fault", "calib", &fault, 0));
    assert!(
        message(&row).contains("crash, abort, exit"),
        "{}",
        message(&row)
    );
}

#[test]
fn provider_and_cache_policy_are_refused() {
    let mut s = spec("vec.add", "scalar", &[("size", int(100))], 0);
    s.provider = "numpy".into();
    let row = run(&s);
    assert_eq!(row.status, Status::EnvFailed);
    assert_eq!(
        row.failure.and_then(|f| f.reason).as_deref(),
        Some("provider_unsupported")
    );

    let mut s = spec("vec.add", "scalar", &[("size", int(100))], 0);
    s.policy.cache = "rotate".into();
    let row = run(&s);
    assert_eq!(row.status, Status::Error);
    assert!(message(&row).contains("only `hot`"));
}

/// Test-only probe whose kernel is wrong, panics, or has no oracle, by `mode`.
struct Broken(&'static str);

struct BrokenKernel {
    mode: &'static str,
    a: Vec<f64>,
    out: Vec<f64>,
}

impl Probe for Broken {
    fn info(&self) -> ProbeInfo {
        ProbeInfo {
            name: format!("test.{}", self.0),
            family: "test".into(),
            description: "deliberately broken".into(),
            axes: vec![int_axis("size", &[10], 10)],
            backends: vec![BackendInfo {
                name: "scalar".into(),
                platform: "cpu".into(),
                requires: Vec::new(),
            }],
            hidden: true,
            reference: None,
        }
    }
    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let n = ctx.count("size")?;
        let a = crate::generate::vec_f64(&mut ctx.rng, n, -1.0, 1.0);
        ctx.digest.f64s(&a);
        if self.0 == "unsupported" {
            return Err(ProbeError::Unsupported {
                reason: "missing_cpu_feature".into(),
                message: "needs avx512".into(),
            });
        }
        Ok(Instance {
            kernel: Box::new(BrokenKernel {
                mode: self.0,
                out: a.clone(),
                a,
            }),
            threshold: Threshold {
                rtol: 1e-6,
                atol: 1e-7,
            },
            oracle_kind: "f64_reference".into(),
            work: Work {
                elems: 10.0,
                flops: 0.0,
                bytes: 0.0,
            },
        })
    }
}

impl Kernel for BrokenKernel {
    fn run(&mut self) {
        for (o, a) in self.out.iter_mut().zip(&self.a) {
            // The deliberate bug: an add that is off by 1e-3.
            *o = a + a + 1e-3;
        }
        std::hint::black_box(&mut self.out);
    }
    fn output(&self) -> Vec<f64> {
        self.out.clone()
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        (self.mode != "no_oracle").then(|| self.a.iter().map(|a| a + a).collect())
    }
    fn enter_stage(&mut self, stage: &Stage) {
        if self.mode == "panics" && *stage == Stage::Warmup {
            panic!("boom in warmup");
        }
    }
}

fn broken(mode: &'static str) -> Row {
    let reg = Registry::from_probes(vec![Box::new(Broken(mode))]);
    run_with(
        &reg,
        &spec(&format!("test.{mode}"), "scalar", &[("size", int(10))], 0),
    )
}

#[test]
fn wrong_kernel_fails_fidelity_but_keeps_metrics() {
    let row = broken("wrong");
    assert_eq!(row.status, Status::FidelityFailed);
    let f = row.failure.as_ref().expect("failure");
    assert_eq!(f.stage, Stage::Fidelity);
    assert!(
        f.message
            .starts_with("output differs from the float64 oracle: rel_to_tol=")
    );
    assert!(f.message.contains("n_mismatched=10"), "{}", f.message);
    let m = row.metrics.as_ref().expect("metrics");
    assert!(m.steady_time.is_some() && m.throughput.is_some());
    assert!(m.gflops.is_none() && m.bandwidth.is_none());
    assert!(row.measurement.is_some());
}

#[test]
fn missing_oracle_panic_and_unsupported_map_to_statuses() {
    assert_eq!(broken("no_oracle").status, Status::FidelityInconclusive);

    let row = broken("panics");
    assert_eq!(row.status, Status::Error);
    let f = row.failure.as_ref().expect("failure");
    assert_eq!(f.stage, Stage::Warmup);
    assert!(f.message.contains("boom in warmup"), "{}", f.message);
    assert!(row.metrics.as_ref().is_some_and(|m| m.cold_time.is_some()));

    let row = broken("unsupported");
    assert_eq!(row.status, Status::Skipped);
    assert_eq!(
        row.failure.and_then(|f| f.reason).as_deref(),
        Some("missing_cpu_feature")
    );
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn events_are_four_stages_then_one_row() {
    let buf = Shared::default();
    let mut emitter = Emitter::new(Box::new(buf.clone()));
    emitter.hello();
    attempt::run(
        &spec("vec.dot", "scalar", &[("size", int(100))], 0),
        &Registry::builtin(),
        &mut emitter,
    );
    let text = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf-8");
    let events: Vec<Event> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("event"))
        .collect();
    assert_eq!(events.len(), 6);
    assert!(matches!(events[0], Event::Hello(_)));
    let stages: Vec<Stage> = events[1..5]
        .iter()
        .filter_map(|e| match e {
            Event::Stage { stage } => Some(stage.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        stages,
        [Stage::Setup, Stage::Fidelity, Stage::Warmup, Stage::Measure]
    );
    assert!(matches!(&events[5], Event::Row { row } if row.status == Status::Ok));
}
