//! `calib.fault`: deliberate failures at a chosen stage, so the runner's handling of crashes,
//! aborts, bad exits, hangs, protocol breaks, stderr floods and OOM can be tested end to end.
//!
//! This file owns the faults and nothing else; its `unsafe` is the libc calls the faults need
//! (`signal`/`raise` for `crash`, `getrlimit`/`setrlimit` for `oom`). The `garbage` and `torn` faults write to stdout
//! directly, bypassing the `Emitter`, on purpose. Every fault except `flood` ends the process
//! (or never returns); none may be exercised in-process by unit tests.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use nbench_schema::{Event, ProbeInfo, Stage};

use super::calib::{exact, info};
use crate::probe::{Instance, Kernel, Probe, ProbeError, SetupCtx, str_axis};
use crate::procfs;
use crate::skeleton::{now_rfc3339, skeleton};

const KINDS: [&str; 8] = [
    "crash", "abort", "exit", "hang", "garbage", "torn", "flood", "oom",
];
const STAGES: [&str; 3] = ["setup", "warmup", "measure"];

/// The fault injector.
pub struct Fault;

struct FaultKernel {
    kind: String,
    stage: Stage,
    torn_line: String,
}

impl Probe for Fault {
    fn info(&self) -> ProbeInfo {
        let axes = vec![
            str_axis("kind", &KINDS, "crash"),
            str_axis("stage", &STAGES, "measure"),
        ];
        info(
            "calib.fault",
            "fails on purpose (kind) when the attempt reaches stage",
            axes,
        )
    }

    fn setup(&self, ctx: &mut SetupCtx) -> Result<Instance, ProbeError> {
        let kind = ctx.text("kind")?.to_string();
        let stage = Stage::parse(ctx.text("stage")?);
        ctx.digest.bytes(kind.as_bytes());
        ctx.digest.bytes(stage.as_str().as_bytes());
        // A real row event, so `torn` cuts something the runner would otherwise accept.
        let row = skeleton(ctx.spec, &now_rfc3339());
        let torn_line = serde_json::to_string(&Event::Row { row: Box::new(row) })
            .map_err(|e| ProbeError::Failed(format!("could not serialize the torn row: {e}")))?;
        let kernel = FaultKernel {
            kind,
            stage,
            torn_line,
        };
        if kernel.stage == Stage::Setup {
            kernel.fire();
        }
        Ok(exact(Box::new(kernel)))
    }
}

impl Kernel for FaultKernel {
    fn run(&mut self) {}
    fn output(&self) -> Vec<f64> {
        vec![0.0]
    }
    fn oracle(&self) -> Option<Vec<f64>> {
        Some(vec![0.0])
    }
    fn enter_stage(&mut self, stage: &Stage) {
        if *stage == self.stage {
            self.fire();
        }
    }
}

impl FaultKernel {
    fn fire(&self) {
        match self.kind.as_str() {
            "crash" => crash(),
            "abort" => std::process::abort(),
            "exit" => std::process::exit(3),
            "hang" => hang(),
            "garbage" => stdout_and_exit(b"this is not json\n"),
            "torn" => {
                let half = &self.torn_line.as_bytes()[..self.torn_line.len() / 2];
                stdout_and_exit(half)
            }
            "flood" => flood(),
            "oom" => oom(),
            // Params were checked against the closed `kind` axis before setup.
            _ => {}
        }
    }
}

fn crash() {
    // Rust installs a SIGSEGV handler (stack-overflow detection); restore the default so the
    // process dies on the signal, as a real segfault would.
    // SAFETY: resetting a handler and raising a signal have no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGSEGV, libc::SIG_DFL);
        libc::raise(libc::SIGSEGV);
    }
    std::process::abort();
}

fn hang() -> ! {
    // The grandchild inherits the process group, so the runner's group kill must reach it.
    match Command::new("sleep")
        .arg("3600")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(child) => eprintln!("calib.fault hang: grandchild pid {}", child.id()),
        Err(e) => eprintln!("calib.fault hang: could not spawn the grandchild: {e}"),
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn stdout_and_exit(bytes: &[u8]) -> ! {
    let mut out = std::io::stdout().lock();
    // Write errors are moot: the process exits either way and the runner judges what arrived.
    let _ = out.write_all(bytes);
    let _ = out.flush();
    std::process::exit(0)
}

fn flood() {
    const CHUNK: usize = 64 << 10;
    const TOTAL: usize = 100 << 20;
    let mut chunk = vec![b'x'; CHUNK];
    chunk[CHUNK - 1] = b'\n';
    let mut err = std::io::stderr().lock();
    for _ in 0..TOTAL / CHUNK {
        if err.write_all(&chunk).is_err() {
            break;
        }
    }
}

fn oom() -> ! {
    const CHUNK: usize = 64 << 20;
    const HEADROOM: u64 = 512 << 20;
    if let Some(size) = procfs::vm_size() {
        let mut current = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: the pointer refers to a live, correctly typed local.
        unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut current) };
        let limit = libc::rlimit {
            rlim_cur: (size + HEADROOM).min(current.rlim_max),
            rlim_max: current.rlim_max,
        };
        // SAFETY: as above.
        unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    }
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        // Failure here goes to Rust's allocation-error handler, which prints
        // `memory allocation of N bytes failed` and aborts: what the runner classifies as oom.
        let mut v: Vec<u8> = Vec::with_capacity(CHUNK);
        for slot in v.spare_capacity_mut().iter_mut().step_by(4096) {
            slot.write(1);
        }
        kept.push(v);
    }
}
