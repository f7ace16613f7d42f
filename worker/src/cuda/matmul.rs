//! The `cuda` backend of `tensor.matmul`: row-major C = A B in f32 or f64 through cuBLAS
//! (`sgemm`/`dgemm`). cuBLAS is column-major, so the row-major product is computed as the
//! column-major Cᵀ = Bᵀ Aᵀ, which reads the same memory without any transpose copy.
//!
//! The probe hands in A (m × k), B (k × n) and the oracle; this file owns only device work.

use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{CudaSlice, DeviceRepr, ValidAsZeroBits};

use super::kernel::{CudaKernel, Launch, Oracle, widen};
use super::session::Session;
use super::{CudaError, cublas_present};
use crate::probe::{Kernel, ProbeError};

/// Element types cuBLAS multiplies here.
pub trait Element: DeviceRepr + ValidAsZeroBits + Copy + Into<f64> + 'static {
    const ONE: Self;
    const ZERO: Self;
}
impl Element for f32 {
    const ONE: Self = 1.0;
    const ZERO: Self = 0.0;
}
impl Element for f64 {
    const ONE: Self = 1.0;
    const ZERO: Self = 0.0;
}

/// Builds the cuBLAS kernel on row-major `a` (m × k) and `b` (k × n).
pub fn kernel<T: Element>(
    a: &[T],
    b: &[T],
    (m, k, n): (usize, usize, usize),
    oracle: Oracle,
) -> Result<Box<dyn Kernel>, ProbeError>
where
    CudaBlas: Gemm<T>,
{
    let dims = [m, k, n].map(i32::try_from);
    let (Ok(m32), Ok(k32), Ok(n32)) = (dims[0], dims[1], dims[2]) else {
        return Err(ProbeError::BadParam(format!(
            "matrix dimensions {m} × {k} × {n} exceed 2^31"
        )));
    };
    if a.len() != m * k || b.len() != k * n {
        return Err(ProbeError::Failed(format!(
            "matmul inputs have {} and {} elements, expected {} and {}",
            a.len(),
            b.len(),
            m * k,
            k * n
        )));
    }
    let s = Session::open()?;
    if !cublas_present() {
        return Err(CudaError::LibraryMissing("libcublas").into());
    }
    let backend = GemmLaunch {
        dims: (m32, k32, n32),
        a: s.stream.clone_htod(a).map_err(CudaError::from)?,
        b: s.stream.clone_htod(b).map_err(CudaError::from)?,
        c: s.stream
            .alloc_zeros::<T>((m * n).max(1))
            .map_err(CudaError::from)?,
        blas: None,
    };
    Ok(CudaKernel::boxed(s, backend, oracle))
}

struct GemmLaunch<T: Element> {
    dims: (i32, i32, i32),
    a: CudaSlice<T>,
    b: CudaSlice<T>,
    c: CudaSlice<T>,
    blas: Option<CudaBlas>,
}

impl<T: Element> Launch for GemmLaunch<T>
where
    CudaBlas: Gemm<T>,
{
    fn build(&mut self, s: &Session) -> Result<(), CudaError> {
        // The handle (and its workspace) is cuBLAS's "module load": it belongs to the cold call.
        self.blas = Some(CudaBlas::new(s.stream.clone())?);
        Ok(())
    }

    fn launch(&mut self, _s: &Session) -> Result<(), CudaError> {
        let blas = self
            .blas
            .as_ref()
            .ok_or_else(|| CudaError::Blas("gemm launched before the handle was built".into()))?;
        let (m, k, n) = self.dims;
        // Column-major Cᵀ (n × m) = Bᵀ (n × k) · Aᵀ (k × m); leading dimensions are the
        // row lengths of the row-major matrices.
        let cfg = GemmConfig {
            transa: cublasOperation_t::CUBLAS_OP_N,
            transb: cublasOperation_t::CUBLAS_OP_N,
            m: n,
            n: m,
            k,
            alpha: T::ONE,
            lda: n,
            ldb: k,
            beta: T::ZERO,
            ldc: n,
        };
        // SAFETY: the buffers hold exactly m·k, k·n and m·n elements as the config describes.
        unsafe { blas.gemm(cfg, &self.b, &self.a, &mut self.c)? };
        Ok(())
    }

    fn read(&self, s: &Session) -> Result<Vec<f64>, CudaError> {
        let (m, _, n) = self.dims;
        let v = s.stream.clone_dtoh(&self.c)?;
        Ok(widen(&v[..(m as usize * n as usize).min(v.len())]))
    }
}
