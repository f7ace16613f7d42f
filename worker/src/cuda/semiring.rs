//! The `cuda` backend of `semiring.matmul`: C = A ⊗ B over f32, row-major, for the algebras
//! `real` (+, ×), `log` (logsumexp, +), `tropical` (max, +) and `euclidean` (Σ (a − b)²),
//! one NVRTC program per algebra from `kernels/semiring.cu`, 16 × 16 shared-memory tiles.
//!
//! The probe hands in A (m × k), B (k × n) and the oracle; this file owns only device work.

use cudarc::driver::{CudaFunction, CudaSlice, LaunchConfig, PushKernelArg};

use super::CudaError;
use super::kernel::{CudaKernel, Launch, Oracle, widen};
use super::session::Session;
use crate::probe::{Kernel, ProbeError};

/// The tile edge compiled into `kernels/semiring.cu` (`NB_TILE`).
const TILE: u32 = 16;

/// The algebras, by the probe's `algebra` parameter.
pub const ALGEBRAS: [&str; 4] = ["real", "log", "tropical", "euclidean"];

/// Builds the kernel for `algebra` on row-major `a` (m × k) and `b` (k × n).
pub fn kernel(
    algebra: &str,
    a: &[f32],
    b: &[f32],
    (m, k, n): (usize, usize, usize),
    oracle: Oracle,
) -> Result<Box<dyn Kernel>, ProbeError> {
    if !ALGEBRAS.contains(&algebra) {
        return Err(ProbeError::BadParam(format!(
            "unknown algebra `{algebra}`; valid algebras: {}",
            ALGEBRAS.join(", ")
        )));
    }
    let dims = [m, k, n].map(u32::try_from);
    let (Ok(m32), Ok(k32), Ok(n32)) = (dims[0], dims[1], dims[2]) else {
        return Err(ProbeError::BadParam(format!(
            "matrix dimensions {m} × {k} × {n} exceed 2^32"
        )));
    };
    if a.len() != m * k || b.len() != k * n {
        return Err(ProbeError::Failed(format!(
            "semiring inputs have {} and {} elements, expected {} and {}",
            a.len(),
            b.len(),
            m * k,
            k * n
        )));
    }
    let s = Session::open()?;
    let backend = SemiringLaunch {
        program: format!("semiring_{algebra}"),
        dims: (m32, k32, n32),
        a: s.stream.clone_htod(a).map_err(CudaError::from)?,
        b: s.stream.clone_htod(b).map_err(CudaError::from)?,
        c: s.stream
            .alloc_zeros::<f32>((m * n).max(1))
            .map_err(CudaError::from)?,
        f: None,
    };
    Ok(CudaKernel::boxed(s, backend, oracle))
}

struct SemiringLaunch {
    program: String,
    dims: (u32, u32, u32),
    a: CudaSlice<f32>,
    b: CudaSlice<f32>,
    c: CudaSlice<f32>,
    f: Option<CudaFunction>,
}

impl Launch for SemiringLaunch {
    fn build(&mut self, s: &Session) -> Result<(), CudaError> {
        self.f = s.load(&self.program, &["semiring_matmul"])?.pop();
        Ok(())
    }

    fn launch(&mut self, s: &Session) -> Result<(), CudaError> {
        let f = self.f.as_ref().ok_or_else(|| {
            CudaError::Driver("semiring kernel launched before it was built".into())
        })?;
        let (m, k, n) = self.dims;
        let cfg = LaunchConfig {
            grid_dim: (n.div_ceil(TILE).max(1), m.div_ceil(TILE).max(1), 1),
            block_dim: (TILE, TILE, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: a is m·k, b is k·n and c is m·n floats, exactly what the kernel indexes.
        unsafe {
            s.stream
                .launch_builder(f)
                .arg(&self.a)
                .arg(&self.b)
                .arg(&mut self.c)
                .arg(&m)
                .arg(&k)
                .arg(&n)
                .launch(cfg)?;
        }
        Ok(())
    }

    fn read(&self, s: &Session) -> Result<Vec<f64>, CudaError> {
        let (m, _, n) = self.dims;
        let v = s.stream.clone_dtoh(&self.c)?;
        Ok(widen(&v[..(m as usize * n as usize).min(v.len())]))
    }
}
