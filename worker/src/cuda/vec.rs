//! The `cuda` backend of the vec probes `add dot relu exp softmax`: f32 inputs copied to the
//! device at setup, kernels from `kernels/vec.cu`. Reductions (dot, softmax's max and sum)
//! are two-stage with a fixed fold order, so every call gives the same bits.
//!
//! Probes hand in input slices and their oracle; this file owns only device work.

use cudarc::driver::{CudaFunction, CudaSlice, LaunchConfig, PushKernelArg};

use super::CudaError;
use super::kernel::{CudaKernel, Launch, Oracle, widen};
use super::session::{Session, blocks};
use crate::probe::{Kernel, ProbeError};

/// Threads per block; `kernels/vec.cu`'s shared-memory reduction is sized for it.
const THREADS: u32 = 256;
/// Partial sums per reduction: enough blocks to fill a large GPU, few enough to fold in one.
const MAX_BLOCKS: u32 = 1024;

/// The vec operations with a CUDA backend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VecOp {
    Add,
    Dot,
    Relu,
    Exp,
    Softmax,
}

impl VecOp {
    /// The op of probe `name` (`vec.add` …), when it has a CUDA backend.
    pub fn for_probe(name: &str) -> Option<VecOp> {
        Some(match name {
            "vec.add" => VecOp::Add,
            "vec.dot" => VecOp::Dot,
            "vec.relu" => VecOp::Relu,
            "vec.exp" => VecOp::Exp,
            "vec.softmax" => VecOp::Softmax,
            _ => return None,
        })
    }

    /// Inputs the op takes.
    pub fn arity(self) -> usize {
        match self {
            VecOp::Add | VecOp::Dot => 2,
            _ => 1,
        }
    }
}

/// Builds the CUDA kernel for `op` on `inputs` (all the same length).
pub fn kernel(op: VecOp, inputs: &[&[f32]], oracle: Oracle) -> Result<Box<dyn Kernel>, ProbeError> {
    if inputs.len() != op.arity() {
        return Err(ProbeError::Failed(format!(
            "cuda {op:?} takes {} input vectors, got {}",
            op.arity(),
            inputs.len()
        )));
    }
    let n = inputs[0].len();
    if inputs.iter().any(|v| v.len() != n) || u32::try_from(n).is_err() {
        return Err(ProbeError::BadParam(format!(
            "cuda {op:?} needs inputs of one length below 2^32, got {:?}",
            inputs.iter().map(|v| v.len()).collect::<Vec<_>>()
        )));
    }
    let s = Session::open()?;
    let dev = |v: &[f32]| s.stream.clone_htod(v).map_err(CudaError::from);
    let a = dev(inputs[0])?;
    let b = match inputs.get(1) {
        Some(v) => Some(dev(v)?),
        None => None,
    };
    let out_len = if op == VecOp::Dot { 1 } else { n };
    let alloc = |len: usize| s.stream.alloc_zeros::<f32>(len).map_err(CudaError::from);
    let backend = VecLaunch {
        op,
        n: n as u32,
        out: alloc(out_len.max(1))?,
        partial: alloc(MAX_BLOCKS as usize)?,
        stats: alloc(2)?,
        a,
        b,
        f: Vec::new(),
    };
    Ok(CudaKernel::boxed(s, backend, oracle))
}

struct VecLaunch {
    op: VecOp,
    n: u32,
    a: CudaSlice<f32>,
    b: Option<CudaSlice<f32>>,
    out: CudaSlice<f32>,
    partial: CudaSlice<f32>,
    /// Softmax: [max, Σ exp(x − max)].
    stats: CudaSlice<f32>,
    f: Vec<CudaFunction>,
}

fn cfg(grid: u32) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (grid, 1, 1),
        block_dim: (THREADS, 1, 1),
        shared_mem_bytes: 0,
    }
}

impl Launch for VecLaunch {
    fn build(&mut self, s: &Session) -> Result<(), CudaError> {
        let names: &[&str] = match self.op {
            VecOp::Add => &["vec_add"],
            VecOp::Relu => &["vec_relu"],
            VecOp::Exp => &["vec_exp"],
            VecOp::Dot => &["vec_dot_partial", "vec_fold"],
            VecOp::Softmax => &[
                "vec_max_partial",
                "vec_fold",
                "vec_expsum_partial",
                "vec_softmax_scale",
            ],
        };
        self.f = s.load("vec", names)?;
        Ok(())
    }

    fn launch(&mut self, s: &Session) -> Result<(), CudaError> {
        let n = self.n;
        let all = cfg(blocks(n as usize, THREADS, u32::MAX));
        let red = blocks(n as usize, THREADS, MAX_BLOCKS);
        let (sum, max) = (0i32, 1i32);
        let st = &s.stream;
        // SAFETY: every pointer argument is a live device buffer of at least the length the
        // kernel indexes (n, `red` partials, 1 or 2 stats), checked when they were allocated.
        unsafe {
            match (self.op, &self.b) {
                (VecOp::Add, Some(b)) => {
                    st.launch_builder(&self.f[0])
                        .arg(&self.a)
                        .arg(b)
                        .arg(&mut self.out)
                        .arg(&n)
                        .launch(all)?;
                }
                (VecOp::Relu | VecOp::Exp, _) => {
                    st.launch_builder(&self.f[0])
                        .arg(&self.a)
                        .arg(&mut self.out)
                        .arg(&n)
                        .launch(all)?;
                }
                (VecOp::Dot, Some(b)) => {
                    st.launch_builder(&self.f[0])
                        .arg(&self.a)
                        .arg(b)
                        .arg(&mut self.partial)
                        .arg(&n)
                        .launch(cfg(red))?;
                    st.launch_builder(&self.f[1])
                        .arg(&self.partial)
                        .arg(&mut self.out)
                        .arg(&red)
                        .arg(&sum)
                        .launch(cfg(1))?;
                }
                (VecOp::Softmax, _) => {
                    st.launch_builder(&self.f[0])
                        .arg(&self.a)
                        .arg(&mut self.partial)
                        .arg(&n)
                        .launch(cfg(red))?;
                    let mut mx = self.stats.slice_mut(0..1);
                    st.launch_builder(&self.f[1])
                        .arg(&self.partial)
                        .arg(&mut mx)
                        .arg(&red)
                        .arg(&max)
                        .launch(cfg(1))?;
                    st.launch_builder(&self.f[2])
                        .arg(&self.a)
                        .arg(&self.stats)
                        .arg(&mut self.partial)
                        .arg(&n)
                        .launch(cfg(red))?;
                    let mut total = self.stats.slice_mut(1..2);
                    st.launch_builder(&self.f[1])
                        .arg(&self.partial)
                        .arg(&mut total)
                        .arg(&red)
                        .arg(&sum)
                        .launch(cfg(1))?;
                    st.launch_builder(&self.f[3])
                        .arg(&self.a)
                        .arg(&self.stats)
                        .arg(&mut self.out)
                        .arg(&n)
                        .launch(all)?;
                }
                (VecOp::Add | VecOp::Dot, None) => {
                    return Err(CudaError::Driver("second input missing".into()));
                }
            }
        }
        Ok(())
    }

    fn read(&self, s: &Session) -> Result<Vec<f64>, CudaError> {
        let v = s.stream.clone_dtoh(&self.out)?;
        let len = if self.op == VecOp::Dot {
            1
        } else {
            self.n as usize
        };
        Ok(widen(&v[..len.min(v.len())]))
    }
}
