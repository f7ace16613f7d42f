//! Tests of the CUDA module that hold on any machine: without a driver every constructor
//! ends in a `cuda_driver_missing` error (never a panic), names are checked with the valid
//! ones listed, and the program table covers every algebra. Tests that need a GPU skip
//! themselves when [`super::driver_present`] is false.

use super::kernel::Oracle;
use super::sources::{PROGRAMS, program};
use super::vec::VecOp;
use super::{CudaError, driver_present, matmul, semiring, vec};
use crate::probe::ProbeError;

fn no_oracle() -> Oracle {
    Box::new(|| None)
}

fn reason(r: Result<Box<dyn crate::probe::Kernel>, ProbeError>) -> String {
    match r {
        Err(ProbeError::Env { reason, .. }) => reason,
        Err(e) => format!("unexpected error {e}"),
        Ok(_) => "built".to_string(),
    }
}

#[test]
fn without_a_driver_every_backend_is_env_failed_with_the_reason() {
    if driver_present() {
        eprintln!("skipped: a cuda driver is installed");
        return;
    }
    let a = [1.0f32, 2.0, 3.0, 4.0];
    assert_eq!(
        reason(vec::kernel(VecOp::Add, &[&a, &a], no_oracle())),
        "cuda_driver_missing"
    );
    assert_eq!(
        reason(vec::kernel(VecOp::Softmax, &[&a], no_oracle())),
        "cuda_driver_missing"
    );
    let r = semiring::kernel("tropical", &a, &a, (2, 2, 2), no_oracle());
    assert_eq!(reason(r), "cuda_driver_missing");
    let r = matmul::kernel::<f64>(&[1.0; 4], &[1.0; 4], (2, 2, 2), no_oracle());
    assert_eq!(reason(r), "cuda_driver_missing");
    let e = super::devices::list().unwrap_err();
    assert_eq!(e.reason(), "cuda_driver_missing");
}

#[test]
fn bad_shapes_and_names_are_refused_before_touching_a_device() {
    let a = [1.0f32; 4];
    let r = semiring::kernel("boolean", &a, &a, (2, 2, 2), no_oracle());
    match r {
        Err(ProbeError::BadParam(m)) => {
            assert!(m.contains("real, log, tropical, euclidean"), "{m}")
        }
        _ => panic!("an unknown algebra must be a bad parameter"),
    }
    assert!(matches!(
        vec::kernel(VecOp::Add, &[&a], no_oracle()),
        Err(ProbeError::Failed(_))
    ));
    let short = [1.0f32; 3];
    assert!(matches!(
        vec::kernel(VecOp::Dot, &[&a, &short], no_oracle()),
        Err(ProbeError::BadParam(_))
    ));
    match program("semiring_boolean") {
        Err(e @ CudaError::UnknownProgram(..)) => {
            assert_eq!(e.reason(), "compile_error");
            assert!(e.to_string().contains("semiring_real"), "{e}");
        }
        _ => panic!("unknown program accepted"),
    }
}

#[test]
fn every_algebra_has_a_program() {
    for alg in semiring::ALGEBRAS {
        assert!(program(&format!("semiring_{alg}")).is_ok(), "{alg}");
    }
    assert_eq!(PROGRAMS.len(), 1 + semiring::ALGEBRAS.len());
}

#[test]
fn the_bindings_version_is_the_cudarc_feature_built() {
    let manifest = include_str!("../../Cargo.toml");
    let (major, minor) = super::libs::BINDINGS.split_once('.').expect("major.minor");
    let feature = format!("\"cuda-{major:0>2}{minor:0>2}0\"");
    assert!(
        manifest.contains(&feature),
        "worker/Cargo.toml does not build cudarc with {feature}: update libs::BINDINGS"
    );
}

#[test]
fn the_library_lookup_tries_cudarcs_names_and_says_which_it_found() {
    use super::libs::{Lookup, lookup_all};
    let found = lookup_all();
    let labels: Vec<&str> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(labels, ["libcuda", "libnvrtc", "libcublas"]);
    for (label, result) in &found {
        match result {
            Lookup::Missing { tried, .. } => {
                let so = format!("{label}.so");
                assert!(tried.contains(&so), "{label}: {tried:?}");
                // The CUDA 12 soname is tried; CUDA 13's is not, which is why the GPU check
                // script links the newer libraries under a name that is.
                assert!(tried.contains(&format!("{so}.12")), "{label}: {tried:?}");
                assert!(!tried.contains(&format!("{so}.13")), "{label}: {tried:?}");
            }
            Lookup::Found { name, path, .. } => {
                assert!(name.starts_with(label), "{label} loaded as {name}");
                assert!(path.is_some(), "{label}: the file it came from");
            }
        }
    }
    assert_eq!(
        matches!(found[0].1, Lookup::Found { .. }),
        driver_present(),
        "the lookup agrees with cudarc's own presence check"
    );
}
