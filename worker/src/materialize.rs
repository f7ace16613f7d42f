//! `nbench-worker materialize [CACHE_DIR]`: writes one point's instance — every input array
//! exactly as hashed into the problem digest, and the float64 oracle output — as `.npy` files
//! under `CACHE_DIR/<digest>/`, with a `meta.json` (docs/providers.md). Foreign providers load it
//! instead of re-implementing problem generation.
//!
//! This module owns the cache directory layout and its completeness rule: a directory is
//! complete iff it exists under its digest name, because it is built under a temporary name and
//! renamed into place with `meta.json` already written. It reuses a complete directory and
//! never regenerates one. It must not time or judge anything.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use nbench_schema::{Params, Spec, exit};
use serde::Deserialize;
use serde_json::json;

use crate::generate::{Captured, Digest};
use crate::npy;
use crate::probe::{Instance, ProbeError, SetupCtx};
use crate::registry::Registry;
use crate::validate::check_params;

/// The file that marks a complete instance directory and describes it.
pub const META: &str = "meta.json";

/// What `materialize` reads: the point (a whole attempt spec is accepted too).
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    /// Probe name.
    pub probe: String,
    /// The point.
    #[serde(default)]
    pub params: Params,
    /// Instance seed.
    pub seed: u64,
    /// Cache root, when not given on the command line.
    #[serde(default)]
    pub cache_dir: Option<String>,
}

/// A materialised instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Materialized {
    /// The problem digest: the directory's name.
    pub digest: String,
    /// `<cache>/<digest>`.
    pub dir: PathBuf,
    /// Whether a complete directory was already there.
    pub reused: bool,
}

/// Why an instance could not be materialised.
#[derive(Debug, thiserror::Error)]
pub enum MaterializeError {
    /// The request line was not usable.
    #[error("bad request on stdin: {0}")]
    Request(String),
    /// Neither an argument nor the request named a cache directory.
    #[error("no cache directory: pass one as the argument or set `cache_dir` in the request")]
    NoCacheDir,
    /// The probe is not in the registry.
    #[error("unknown probe `{name}`; valid probes: {valid}")]
    UnknownProbe {
        /// The name asked for.
        name: String,
        /// Every valid name.
        valid: String,
    },
    /// The params do not fit the probe, or setup refused them.
    #[error("{0}")]
    Setup(String),
    /// Writing the cache failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MaterializeError + '_ {
    move |source| MaterializeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The `materialize` subcommand; returns the exit code.
pub fn main(registry: &Registry, cache_arg: Option<&str>) -> i32 {
    let result = read_request(std::io::stdin().lock()).and_then(|req| {
        let cache = cache_arg
            .map(str::to_string)
            .or_else(|| req.cache_dir.clone())
            .ok_or(MaterializeError::NoCacheDir)?;
        materialize(&req, registry, Path::new(&cache))
    });
    match result {
        Ok(m) => {
            let line =
                json!({"digest": m.digest, "dir": m.dir.display().to_string(), "reused": m.reused});
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                return exit::WORKER_IO;
            }
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!("nbench-worker materialize: {e}");
            match e {
                MaterializeError::Io { .. } => exit::WORKER_IO,
                _ => exit::WORKER_BAD_SPEC,
            }
        }
    }
}

/// Parses one JSON line.
pub fn read_request(mut input: impl BufRead) -> Result<Request, MaterializeError> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| MaterializeError::Request(e.to_string()))?;
    serde_json::from_str(&line).map_err(|e| MaterializeError::Request(e.to_string()))
}

/// Generates the instance of `req` and writes it under `cache`, unless it is already there.
pub fn materialize(
    req: &Request,
    registry: &Registry,
    cache: &Path,
) -> Result<Materialized, MaterializeError> {
    let probe = registry
        .get(&req.probe)
        .ok_or_else(|| MaterializeError::UnknownProbe {
            name: req.probe.clone(),
            valid: registry.names().join(", "),
        })?;
    let info = probe.info();
    check_params(&info, &req.params).map_err(MaterializeError::Setup)?;
    // Inputs never depend on the backend (docs/architecture.md, "Measurement"), so any CPU backend this machine can set
    // up yields the same arrays; the first one that sets up is used for its oracle.
    let mut last_refusal = format!("probe {} has no cpu backend to generate with", info.name);
    for backend in info.backends.iter().filter(|b| b.platform == "cpu") {
        let spec = Spec {
            protocol: nbench_schema::PROTOCOL_VERSION,
            run_id: String::new(),
            attempt_id: String::new(),
            probe: req.probe.clone(),
            params: req.params.clone(),
            seed: req.seed,
            backend: backend.name.clone(),
            provider: "native".to_string(),
            platform: "cpu".to_string(),
            policy: Default::default(),
            variant: None,
            cache_dir: None,
            provider_platforms: None,
        };
        let mut ctx = SetupCtx::new(&spec, 1);
        ctx.digest = Digest::capturing();
        match probe.setup(&mut ctx) {
            // A probe that generates no inputs (nbench's calib probes) would share the empty
            // digest with every other such probe: there is no instance to hand over.
            Ok(_) if ctx.digest.captured().is_empty() => {
                return Err(MaterializeError::Setup(format!(
                    "probe {} generates no inputs; there is no instance to materialise",
                    info.name
                )));
            }
            Ok(instance) => {
                return write_instance(
                    req,
                    &info.family,
                    &backend.name,
                    &ctx.digest,
                    instance,
                    cache,
                );
            }
            Err(ProbeError::Unsupported { message, .. }) => last_refusal = message,
            Err(e) => return Err(MaterializeError::Setup(e.to_string())),
        }
    }
    Err(MaterializeError::Setup(last_refusal))
}

fn write_instance(
    req: &Request,
    family: &str,
    backend: &str,
    digest: &Digest,
    instance: Instance,
    cache: &Path,
) -> Result<Materialized, MaterializeError> {
    let hex = digest.hex();
    let dir = cache.join(&hex);
    if dir.join(META).is_file() {
        return Ok(Materialized {
            digest: hex,
            dir,
            reused: true,
        });
    }
    std::fs::create_dir_all(cache).map_err(io(cache))?;
    let tmp = cache.join(format!(".tmp-{hex}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;

    let mut inputs = Vec::new();
    for (i, arr) in digest.captured().iter().enumerate() {
        let file = format!("in{i}.npy");
        inputs.push(write_array(&tmp, &file, arr)?);
    }
    let oracle = match instance.kernel.oracle() {
        Some(values) => {
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            let arr = Captured {
                dtype: "<f8",
                bytes,
            };
            Some(write_array(&tmp, "oracle.npy", &arr)?)
        }
        None => None,
    };
    let meta = json!({
        "probe": req.probe,
        "family": family,
        "params": req.params,
        "seed": req.seed,
        "digest": hex,
        "threshold": {"rtol": instance.threshold.rtol, "atol": instance.threshold.atol},
        "oracle_kind": instance.oracle_kind,
        "work": {"elems": instance.work.elems, "flops": instance.work.flops, "bytes": instance.work.bytes},
        "inputs": inputs,
        "oracle": oracle,
        "generated_with": {"backend": backend, "worker": format!("nbench-worker {}", env!("CARGO_PKG_VERSION"))},
    });
    let meta_path = tmp.join(META);
    let text = serde_json::to_string_pretty(&meta).map_err(|e| MaterializeError::Io {
        path: meta_path.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&meta_path, text).map_err(io(&meta_path))?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(Materialized {
            digest: hex,
            dir,
            reused: false,
        }),
        // Another process finished the same instance first: its copy is identical.
        Err(_) if dir.join(META).is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(Materialized {
                digest: hex,
                dir,
                reused: true,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(io(&dir)(e))
        }
    }
}

fn write_array(
    dir: &Path,
    file: &str,
    arr: &Captured,
) -> Result<serde_json::Value, MaterializeError> {
    let path = dir.join(file);
    let size = npy::item_size(arr.dtype).unwrap_or(1);
    let len = arr.bytes.len() / size;
    let f = std::fs::File::create(&path).map_err(io(&path))?;
    let mut w = std::io::BufWriter::new(f);
    npy::write(&mut w, arr.dtype, len, &arr.bytes)
        .and_then(|()| w.flush())
        .map_err(io(&path))?;
    Ok(json!({"file": file, "dtype": arr.dtype, "len": len}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nbench_schema::ParamValue;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> Self {
            let p = std::env::temp_dir()
                .join(format!("nbench-materialize-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            TempDir(p)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn req(size: i64, seed: u64) -> Request {
        Request {
            probe: "vec.add".into(),
            params: Params::from([("size".to_string(), ParamValue::Int(size))]),
            seed,
            cache_dir: None,
        }
    }

    #[test]
    fn writes_inputs_oracle_and_meta_then_reuses() {
        let cache = TempDir::new("reuse");
        let reg = Registry::builtin();
        let m = materialize(&req(100, 1), &reg, cache.path()).expect("materialize");
        assert!(!m.reused);
        assert_eq!(m.dir, cache.path().join(&m.digest));
        let a = std::fs::read(m.dir.join("in0.npy")).expect("in0");
        let b = std::fs::read(m.dir.join("in1.npy")).expect("in1");
        let o = std::fs::read(m.dir.join("oracle.npy")).expect("oracle");
        let (da, na, xa) = npy::read(&a).expect("npy");
        let (_, _, xb) = npy::read(&b).expect("npy");
        let (dor, no, xo) = npy::read(&o).expect("npy");
        assert_eq!(
            (da.as_str(), na, dor.as_str(), no),
            ("<f4", 100, "<f8", 100)
        );
        // The oracle of vec.add is a + b in f64: check it against the written inputs.
        let f32s = |x: &[u8]| -> Vec<f32> {
            x.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        let (va, vb) = (f32s(xa), f32s(xb));
        for (i, c) in xo.chunks_exact(8).enumerate() {
            let want = f64::from(va[i]) + f64::from(vb[i]);
            assert_eq!(f64::from_le_bytes(c.try_into().expect("8 bytes")), want);
        }
        // The digest is xxh3 of the written input bytes, in order.
        let mut d = Digest::new();
        d.f32s(&va);
        d.f32s(&vb);
        assert_eq!(d.hex(), m.digest);
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(m.dir.join(META)).expect("meta")).expect("json");
        assert_eq!(meta["digest"], m.digest.as_str());
        assert_eq!(meta["inputs"][1]["file"], "in1.npy");
        assert_eq!(meta["threshold"]["rtol"], 1e-6);

        let before = std::fs::metadata(m.dir.join(META)).and_then(|x| x.modified());
        let again = materialize(&req(100, 1), &reg, cache.path()).expect("materialize");
        assert!(again.reused);
        assert_eq!(again.dir, m.dir);
        let after = std::fs::metadata(m.dir.join(META)).and_then(|x| x.modified());
        assert_eq!(before.ok(), after.ok());
        let other = materialize(&req(100, 2), &reg, cache.path()).expect("materialize");
        assert_ne!(other.digest, m.digest);
    }

    #[test]
    fn refuses_unknown_probe_and_bad_params() {
        let cache = TempDir::new("refuse");
        let reg = Registry::builtin();
        let mut r = req(100, 0);
        r.probe = "vec.nope".into();
        let e = materialize(&r, &reg, cache.path()).expect_err("unknown");
        assert!(e.to_string().contains("valid probes: "), "{e}");
        let e = materialize(&req(7, 0), &reg, cache.path()).expect_err("bad size");
        assert!(e.to_string().contains("size"), "{e}");
        assert!(read_request(&b"{\"probe\":\"vec.add\"}\n"[..]).is_err());
    }
}
