//! Seeded problem generation and the problem digest (docs/architecture.md, "Measurement").
//!
//! This module owns the one derivation of the generator seed from `(probe, canonical params,
//! seed)` and the byte order in which inputs are hashed. It must never take the backend, the
//! clock or any unseeded source into account: every backend and provider of a point has to see
//! byte-identical inputs and the same digest.

use nbench_schema::Params;
use nbench_schema::params::canonical;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

/// The generator for a point: Xoshiro256++ seeded from xxh3-64 of
/// `"{probe}\0{canonical params}\0{seed}"`.
pub fn rng_for(probe: &str, params: &Params, seed: u64) -> Xoshiro256PlusPlus {
    let key = format!("{probe}\0{}\0{seed}", canonical(params));
    Xoshiro256PlusPlus::seed_from_u64(xxh3_64(key.as_bytes()))
}

/// A uniform f32 in `[lo, hi)`, from the top 24 bits so every value is exactly representable.
pub fn uniform_f32(rng: &mut Xoshiro256PlusPlus, lo: f32, hi: f32) -> f32 {
    let unit = (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
    lo + (hi - lo) * unit
}

/// A uniform f64 in `[lo, hi)`, from the top 53 bits.
pub fn uniform_f64(rng: &mut Xoshiro256PlusPlus, lo: f64, hi: f64) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    lo + (hi - lo) * unit
}

/// `n` f32 values uniform in `[lo, hi)`.
pub fn vec_f32(rng: &mut Xoshiro256PlusPlus, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| uniform_f32(rng, lo, hi)).collect()
}

/// `n` f64 values uniform in `[lo, hi)`.
pub fn vec_f64(rng: &mut Xoshiro256PlusPlus, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n).map(|_| uniform_f64(rng, lo, hi)).collect()
}

/// The problem digest: xxh3-64 over every input byte, in the order the probe feeds them.
/// Numbers are hashed little-endian so the digest is the same on every machine.
pub struct Digest {
    hasher: Box<Xxh3>,
    /// `materialize` only: every array fed, in order, so the instance can be written out
    /// exactly as it was hashed (a foreign provider then solves byte-identical inputs).
    captured: Option<Vec<Captured>>,
    /// The dtype of the scalar feeds (`u64`, `bytes`) just made, while nothing else intervened.
    scalar_run: Option<&'static str>,
}

/// One array fed to a capturing [`Digest`]: its NumPy dtype and little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// `<f4`, `<f8`, `<u8` or `|u1`.
    pub dtype: &'static str,
    /// The bytes exactly as hashed.
    pub bytes: Vec<u8>,
}

impl Default for Digest {
    fn default() -> Self {
        Self::new()
    }
}

impl Digest {
    /// An empty digest.
    pub fn new() -> Self {
        Digest {
            hasher: Box::new(Xxh3::new()),
            captured: None,
            scalar_run: None,
        }
    }

    /// An empty digest that also keeps a copy of every array fed (see [`Digest::captured`]).
    pub fn capturing() -> Self {
        Digest {
            captured: Some(Vec::new()),
            ..Self::new()
        }
    }

    /// The arrays fed so far, in order; empty unless made with [`Digest::capturing`].
    pub fn captured(&self) -> &[Captured] {
        self.captured.as_deref().unwrap_or(&[])
    }

    fn start(&mut self, dtype: &'static str) {
        if let Some(c) = self.captured.as_mut() {
            c.push(Captured {
                dtype,
                bytes: Vec::new(),
            });
        }
    }

    /// Starts an array unless the previous feed was a scalar feed of the same dtype: probes
    /// feed index lists one `u64` (or one `bytes` call) per element, and those belong in one
    /// array, not one file per element. Slices (`f32s`, `f64s`) always start a new array.
    fn start_or_extend(&mut self, dtype: &'static str) {
        let extends = self.scalar_run == Some(dtype);
        if !extends {
            self.start(dtype);
        }
        self.scalar_run = Some(dtype);
    }

    fn update(&mut self, b: &[u8]) {
        self.hasher.update(b);
        if let Some(last) = self.captured.as_mut().and_then(|c| c.last_mut()) {
            last.bytes.extend_from_slice(b);
        }
    }

    /// Feeds raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.start_or_extend("|u1");
        self.update(b);
    }

    /// Feeds one u64.
    pub fn u64(&mut self, v: u64) {
        self.start_or_extend("<u8");
        self.update(&v.to_le_bytes());
    }

    /// Feeds f32 values.
    pub fn f32s(&mut self, v: &[f32]) {
        self.scalar_run = None;
        self.start("<f4");
        // Converting through a small buffer keeps the byte order explicit without `unsafe`.
        let mut buf = [0u8; 4 * 1024];
        for chunk in v.chunks(1024) {
            for (dst, x) in buf.chunks_exact_mut(4).zip(chunk) {
                dst.copy_from_slice(&x.to_le_bytes());
            }
            self.update(&buf[..4 * chunk.len()]);
        }
    }

    /// Feeds f64 values.
    pub fn f64s(&mut self, v: &[f64]) {
        self.scalar_run = None;
        self.start("<f8");
        let mut buf = [0u8; 8 * 512];
        for chunk in v.chunks(512) {
            for (dst, x) in buf.chunks_exact_mut(8).zip(chunk) {
                dst.copy_from_slice(&x.to_le_bytes());
            }
            self.update(&buf[..8 * chunk.len()]);
        }
    }

    /// 16 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.hasher.digest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nbench_schema::ParamValue;

    fn point(size: i64) -> Params {
        Params::from([("size".to_string(), ParamValue::Int(size))])
    }

    #[test]
    fn same_point_same_stream_and_other_seed_differs() {
        let a = vec_f32(&mut rng_for("vec.add", &point(100), 0), 100, -1.0, 1.0);
        let b = vec_f32(&mut rng_for("vec.add", &point(100), 0), 100, -1.0, 1.0);
        let c = vec_f32(&mut rng_for("vec.add", &point(100), 1), 100, -1.0, 1.0);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|x| (-1.0..1.0).contains(x)));
    }

    #[test]
    fn digest_is_little_endian_bytes() {
        let mut d1 = Digest::new();
        d1.f32s(&[1.0, -2.5]);
        let mut d2 = Digest::new();
        d2.bytes(&1.0f32.to_le_bytes());
        d2.bytes(&(-2.5f32).to_le_bytes());
        assert_eq!(d1.hex(), d2.hex());
        assert_eq!(d1.hex().len(), 16);
    }

    #[test]
    fn capture_keeps_each_array_without_changing_the_hash() {
        let mut plain = Digest::new();
        let mut cap = Digest::capturing();
        for d in [&mut plain, &mut cap] {
            d.f32s(&[1.0, 2.0]);
            d.f64s(&[3.0]);
            d.u64(7);
        }
        assert_eq!(plain.hex(), cap.hex());
        assert!(plain.captured().is_empty());
        let dtypes: Vec<&str> = cap.captured().iter().map(|c| c.dtype).collect();
        assert_eq!(dtypes, ["<f4", "<f8", "<u8"]);
        assert_eq!(cap.captured()[1].bytes, 3.0f64.to_le_bytes());
        // Consecutive scalar feeds form one array; a slice in between splits them.
        let mut idx = Digest::capturing();
        idx.u64(1);
        idx.u64(2);
        idx.f32s(&[0.5]);
        idx.u64(3);
        let lens: Vec<usize> = idx.captured().iter().map(|c| c.bytes.len()).collect();
        assert_eq!(lens, [16, 4, 8]);
    }
}
