//! The probe SDK: everything a user's crate needs to serve its own probes to nbench, in one
//! place (`use nbench_worker::sdk::*;`). The built-in probes are written against the same items.
//!
//! A whole probe — declaration, seeded instance, two backends, a float64 oracle — one
//! in-process attempt of it, and the `main` of a worker binary that serves it (a user's worker
//! is a binary whose `main` hands its probes to [`serve`]):
//!
//! ```
//! use nbench_worker::sdk::*;
//!
//! struct Scale;
//!
//! impl Probe for Scale {
//!     fn info(&self) -> ProbeInfo {
//!         ProbeInfo::new("mine.scale", "y = 2·x")
//!             .with_axis(int_axis("size", &[1000, 100_000], 1000))
//!             .with_backend(BackendInfo::cpu("loop"))
//!             .with_backend(BackendInfo::cpu("iter"))
//!             .with_reference("loop")
//!     }
//!
//!     fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
//!         let n = ctx.count("size")?;
//!         let x = ctx.uniform_f32(n, -1.0, 1.0); // drawn from ctx.rng and fed to the digest
//!         let reference: Vec<f64> = widen(&x).iter().map(|v| 2.0 * v).collect();
//!         let y = vec![0.0f32; n];
//!         let kernel = match ctx.spec.backend.as_str() {
//!             "loop" => FnKernel::new((x, y), |(x, y)| {
//!                 for i in 0..x.len() {
//!                     y[i] = 2.0 * x[i];
//!                 }
//!             }),
//!             _ => FnKernel::new((x, y), |(x, y)| {
//!                 y.iter_mut().zip(x.iter()).for_each(|(o, v)| *o = 2.0 * v)
//!             }),
//!         };
//!         let kernel = kernel
//!             .with_output(|(_, y)| widen(y))
//!             .with_oracle(move |_| reference.clone());
//!         Ok(Instance::new(kernel, Threshold::exact())
//!             .work(Work { elems: n as f64, flops: n as f64, bytes: 8.0 * n as f64 }))
//!     }
//! }
//!
//! let row = run_in_process(vec![Box::new(Scale)], &spec_for("mine.scale", "iter", &[("size", ParamValue::Int(1000))], 0));
//! assert_eq!(row.status, Status::Ok);
//! assert_eq!(row.reference_backend.as_deref(), Some("loop"));
//!
//! // The worker binary's `main` (here under another name: a doctest has its own `main`).
//! fn worker_main() {
//!     std::process::exit(nbench_worker::serve(vec![Box::new(Scale)]))
//! }
//! ```

pub use nbench_schema::{
    AxisInfo, AxisKind, BackendInfo, MeasurePolicy, ParamValue, Params, ProbeInfo, Row, Spec,
    Stage, Status, Threshold,
};

pub use crate::cli::serve;
pub use crate::fn_kernel::{FnKernel, widen};
pub use crate::probe::{
    Instance, Kernel, Probe, ProbeError, SetupCtx, Work, cpu_backends, int_axis, open, str_axis,
};

use crate::protocol::Emitter;
use crate::registry::Registry;

/// A spec for one attempt of `probe` with `backend` at `params` and `seed`, measured briefly
/// (for a user's unit tests and [`run_in_process`]; nbench itself sends the real policy).
pub fn spec_for(probe: &str, backend: &str, params: &[(&str, ParamValue)], seed: u64) -> Spec {
    Spec {
        protocol: nbench_schema::PROTOCOL_VERSION,
        run_id: "in-process".into(),
        attempt_id: "a00000".into(),
        probe: probe.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        seed,
        backend: backend.into(),
        provider: "native".into(),
        platform: "cpu".into(),
        policy: MeasurePolicy {
            warmup_s: 0.0,
            sample_target_s: 0.0,
            min_samples: 1,
            max_samples: 3,
            time_cap_s: 0.05,
            ..MeasurePolicy::default()
        },
        variant: None,
        cache_dir: None,
        provider_platforms: None,
    }
}

/// Runs one attempt of `spec` in this process, exactly as a worker would (stages, fidelity,
/// measurement), and returns its row. Panics in the probe become `error` rows, as in a worker.
pub fn run_in_process(probes: Vec<Box<dyn Probe>>, spec: &Spec) -> Row {
    let registry = Registry::from_probes(probes);
    crate::attempt::run(
        spec,
        &registry,
        &mut Emitter::new(Box::new(std::io::sink())),
    )
}
