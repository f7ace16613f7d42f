//! The outcome of an attempt ([`Status`]) and the stage it was in ([`Stage`]).
//!
//! Both are open enums: later v1 writers may add values. This module owns their spellings and
//! the classification helpers every consumer shares (is this a failure? did anything run?); it
//! must not decide policy such as exit codes.

use crate::open_enum::open_enum;

open_enum! {
    /// How an attempt ended. Exactly one per row.
    pub enum Status {
        /// Measured, and the output passed the fidelity gate against the float64 oracle.
        Ok => "ok",
        /// Measured, but the output failed the fidelity gate; metrics are kept, no speed ratio.
        FidelityFailed => "fidelity_failed",
        /// Measured, but fidelity could not be decided (for example, no oracle for this point).
        FidelityInconclusive => "fidelity_inconclusive",
        /// Not attempted on purpose: the backend cannot run here (missing CPU feature …).
        Skipped => "skipped",
        /// The environment lacks what the attempt needs (no CUDA driver, no NumPy, no worker binary).
        EnvFailed => "env_failed",
        /// A kernel failed to compile at run time (NVRTC).
        CompileError => "compile_error",
        /// The worker ran out of memory: killed by the kernel or an address-space limit.
        Oom => "oom",
        /// A stage passed its deadline; the worker's process group was killed.
        Timeout => "timeout",
        /// The worker died on a signal or exited non-zero without a row.
        Crashed => "crashed",
        /// The worker broke the protocol: non-JSON on stdout, a torn row, a wrong handshake.
        ProtocolError => "protocol_error",
        /// The probe reported an error of its own (bad parameter value, internal failure).
        Error => "error",
        /// The run was interrupted (Ctrl-C, SIGTERM) before or while this attempt ran.
        Interrupted => "interrupted",
    }
}

impl Status {
    /// True when the attempt produced a trustworthy measurement.
    pub fn is_ok(&self) -> bool {
        matches!(self, Status::Ok)
    }

    /// True for statuses that mean something went wrong (as opposed to `ok`, `skipped` and
    /// `fidelity_inconclusive`, which are outcomes, not failures). Unknown statuses from newer
    /// writers count as failures: a reader must not silently pass what it cannot judge.
    pub fn is_failure(&self) -> bool {
        !matches!(
            self,
            Status::Ok | Status::Skipped | Status::FidelityInconclusive
        )
    }
}

open_enum! {
    /// Where an attempt was when something happened. The worker announces `setup`, `fidelity`,
    /// `warmup` and `measure`; the runner adds the stages around the worker's own.
    pub enum Stage {
        /// Waiting in the plan; never started (used for attempts cut short by an interrupt).
        Queued => "queued",
        /// The runner starting the worker process.
        Spawn => "spawn",
        /// Between process start and the worker's `hello` event.
        Handshake => "handshake",
        /// Generating the seeded instance, the oracle output, and building the kernel.
        Setup => "setup",
        /// The first (cold) call and its comparison with the oracle.
        Fidelity => "fidelity",
        /// The time-budgeted warm-up.
        Warmup => "warmup",
        /// Calibration and sampling.
        Measure => "measure",
        /// After the worker's row: closing stdout and exiting.
        Exit => "exit",
    }
}
