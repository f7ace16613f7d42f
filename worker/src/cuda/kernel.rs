//! The one [`Kernel`] implementation every CUDA backend shares: lazy build in the cold call
//! (NVRTC compile + module load, so cold time includes them), launches on the session's
//! stream, CUDA-event timing of back-to-back launches, and device facts for the row. A backend
//! supplies only a [`Launch`]: what to build, what to launch, how to read the output back.
//!
//! It must not time anything on the host clock and must not touch inputs' values.

use std::time::Duration;

use super::CudaError;
use super::session::Session;
use crate::probe::{DeviceFacts, Kernel, ProbeError};

/// The reference output, computed by the probe from the same inputs.
pub type Oracle = Box<dyn Fn() -> Option<Vec<f64>>>;

/// What a CUDA backend does; the inputs are already on the device when it is built.
pub trait Launch {
    /// Compiles and loads what the launches need (called once, in the cold call).
    fn build(&mut self, s: &Session) -> Result<(), CudaError>;
    /// Enqueues one call on the stream without waiting for it.
    fn launch(&mut self, s: &Session) -> Result<(), CudaError>;
    /// Copies the last call's output back, widened to f64.
    fn read(&self, s: &Session) -> Result<Vec<f64>, CudaError>;
}

/// A session plus a backend.
pub struct CudaKernel<L: Launch> {
    session: Session,
    backend: L,
    built: bool,
    oracle: Oracle,
}

impl<L: Launch + 'static> CudaKernel<L> {
    /// Boxes `backend` on `session`; notes the memory its inputs already hold.
    pub fn boxed(mut session: Session, backend: L, oracle: Oracle) -> Box<dyn Kernel> {
        session.note_memory();
        Box::new(CudaKernel {
            session,
            backend,
            built: false,
            oracle,
        })
    }

    fn call(&mut self) -> Result<(), CudaError> {
        if !self.built {
            self.backend.build(&self.session)?;
            self.built = true;
        }
        self.backend.launch(&self.session)?;
        self.session.stream.synchronize()?;
        Ok(())
    }
}

/// A device failure after a successful cold call has no row reason to carry it; the attempt
/// turns this panic into an `error` row naming the stage.
fn fatal(e: CudaError) -> ! {
    panic!("cuda kernel failed: {e}")
}

impl<L: Launch + 'static> Kernel for CudaKernel<L> {
    fn run(&mut self) {
        self.call().unwrap_or_else(|e| fatal(e));
    }

    fn cold_run(&mut self) -> Result<(), ProbeError> {
        self.call()?;
        self.session.note_memory();
        Ok(())
    }

    fn timed(&mut self, iters: u64) -> Option<Duration> {
        let mut region = || -> Result<Duration, CudaError> {
            if !self.built {
                self.backend.build(&self.session)?;
                self.built = true;
            }
            let start = self.session.begin()?;
            for _ in 0..iters {
                self.backend.launch(&self.session)?;
            }
            self.session.end(&start)
        };
        let t = region().unwrap_or_else(|e| fatal(e));
        self.session.note_memory();
        Some(t)
    }

    fn output(&self) -> Vec<f64> {
        self.backend
            .read(&self.session)
            .unwrap_or_else(|e| fatal(e))
    }

    fn oracle(&self) -> Option<Vec<f64>> {
        (self.oracle)()
    }

    fn device(&self) -> Option<DeviceFacts> {
        Some(self.session.facts())
    }
}

/// Widens device output.
pub fn widen<T: Copy + Into<f64>>(v: &[T]) -> Vec<f64> {
    v.iter().map(|&x| x.into()).collect()
}
