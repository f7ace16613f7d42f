//! The `linop` operators — their storage, seeded generation and compensated f64 reference.
//!
//! This file owns the six operator kinds (`dense`, `diagonal`, `sparse` CSR, `identity`,
//! `composed` = dense ∘ sparse, `summed` = dense + diagonal), the order their inputs are
//! generated and digested in, their declared work, and the reference `A·X` / `Aᵀ·X` with
//! Neumaier-compensated sums (so it is more accurate than, and independent of the order of,
//! any backend). It must not contain a backend.

use rand_xoshiro::rand_core::Rng;

use crate::generate::vec_f64;
use crate::probe::{ProbeError, SetupCtx};

/// The operator names, in catalogue order.
pub const KINDS: [&str; 6] = [
    "dense", "diagonal", "sparse", "identity", "composed", "summed",
];

/// Compressed sparse rows of an n × n matrix.
pub struct Csr {
    /// Row starts into `idx`/`val`, n + 1 of them.
    pub ptr: Vec<usize>,
    /// Column of each stored entry, ascending within a row.
    pub idx: Vec<usize>,
    /// Value of each stored entry.
    pub val: Vec<f64>,
}

/// An n × n operator.
pub enum Operator {
    /// Row-major entries.
    Dense(Vec<f64>),
    /// The diagonal.
    Diagonal(Vec<f64>),
    /// CSR.
    Sparse(Csr),
    /// I.
    Identity,
    /// `D ∘ S`: apply S, then D (row-major).
    Composed(Vec<f64>, Csr),
    /// `D + diag(d)`.
    Summed(Vec<f64>, Vec<f64>),
}

/// Generates the operator `kind` of size n (density for the sparse parts), digesting it.
pub fn generate(
    ctx: &mut SetupCtx,
    kind: &str,
    n: usize,
    density: f64,
) -> Result<Operator, ProbeError> {
    let dense = |ctx: &mut SetupCtx| {
        let m = vec_f64(&mut ctx.rng, n * n, -1.0, 1.0);
        ctx.digest.f64s(&m);
        m
    };
    Ok(match kind {
        "dense" => Operator::Dense(dense(ctx)),
        "diagonal" => {
            let d = vec_f64(&mut ctx.rng, n, -1.0, 1.0);
            ctx.digest.f64s(&d);
            Operator::Diagonal(d)
        }
        "sparse" => Operator::Sparse(csr(ctx, n, density)),
        "identity" => Operator::Identity,
        "composed" => {
            let m = dense(ctx);
            Operator::Composed(m, csr(ctx, n, density))
        }
        "summed" => {
            let m = dense(ctx);
            let d = vec_f64(&mut ctx.rng, n, -1.0, 1.0);
            ctx.digest.f64s(&d);
            Operator::Summed(m, d)
        }
        other => {
            return Err(ProbeError::BadParam(format!(
                "unknown op `{other}`; valid values: {}",
                KINDS.join(", ")
            )));
        }
    })
}

/// A random CSR pattern with round(density·n) (at least 1) draws per row, duplicates merged.
fn csr(ctx: &mut SetupCtx, n: usize, density: f64) -> Csr {
    let per_row = ((density * n as f64).round() as usize).clamp(1, n.max(1));
    let mut ptr = Vec::with_capacity(n + 1);
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    ptr.push(0);
    for _ in 0..n {
        let mut cols: Vec<usize> = (0..per_row)
            .map(|_| (ctx.rng.next_u64() % n as u64) as usize)
            .collect();
        cols.sort_unstable();
        cols.dedup();
        val.extend(vec_f64(&mut ctx.rng, cols.len(), -1.0, 1.0));
        idx.extend(cols);
        ptr.push(idx.len());
    }
    for &v in ptr.iter().chain(&idx) {
        ctx.digest.u64(v as u64);
    }
    ctx.digest.f64s(&val);
    Csr { ptr, idx, val }
}

impl Csr {
    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.val.len()
    }
}

impl Operator {
    /// `(flops, bytes)` of one product with k columns: every stored entry used once per column
    /// (2 flops), the operator read once and X read and Y written once.
    pub fn work(&self, n: usize, k: usize) -> (f64, f64) {
        let (nf, kf) = (n as f64, k as f64);
        let sparse = |s: &Csr| {
            (
                2.0 * s.nnz() as f64 * kf,
                16.0 * s.nnz() as f64 + 8.0 * (nf + 1.0),
            )
        };
        let (flops, op_bytes) = match self {
            Operator::Dense(_) => (2.0 * nf * nf * kf, 8.0 * nf * nf),
            Operator::Diagonal(_) => (nf * kf, 8.0 * nf),
            Operator::Sparse(s) => sparse(s),
            Operator::Identity => (0.0, 0.0),
            Operator::Composed(_, s) => {
                let (f, b) = sparse(s);
                (f + 2.0 * nf * nf * kf, b + 8.0 * nf * nf)
            }
            Operator::Summed(..) => ((2.0 * nf * nf + 2.0 * nf) * kf, 8.0 * nf * nf + 8.0 * nf),
        };
        (flops, op_bytes + 16.0 * nf * kf)
    }

    /// The reference `A·X` (or `Aᵀ·X`) of row-major n × k `x`, and `|A|·|X|` (the scale of
    /// each output's rounding error).
    pub fn reference(&self, trans: bool, x: &[f64], n: usize, k: usize) -> (Vec<f64>, Vec<f64>) {
        let abs: Vec<f64> = x.iter().map(|v| v.abs()).collect();
        (
            self.exact(trans, x, n, k, false),
            self.exact(trans, &abs, n, k, true),
        )
    }

    fn exact(&self, trans: bool, x: &[f64], n: usize, k: usize, abs: bool) -> Vec<f64> {
        let f = |v: f64| if abs { v.abs() } else { v };
        let dense = |m: &[f64], x: &[f64]| {
            let mut y = vec![0.0; n * k];
            for i in 0..n {
                for c in 0..k {
                    let terms = (0..n).map(|j| {
                        let a = if trans { m[j * n + i] } else { m[i * n + j] };
                        f(a) * x[j * k + c]
                    });
                    y[i * k + c] = compensated(terms);
                }
            }
            y
        };
        let sparse = |s: &Csr, x: &[f64]| {
            // Gather form for both directions: the transpose is built explicitly.
            let mut entries: Vec<(usize, usize, f64)> = Vec::new();
            for i in 0..n {
                for p in s.ptr[i]..s.ptr[i + 1] {
                    let (r, c) = if trans { (s.idx[p], i) } else { (i, s.idx[p]) };
                    entries.push((r, c, f(s.val[p])));
                }
            }
            entries.sort_by_key(|e| (e.0, e.1));
            let mut y = vec![0.0; n * k];
            for c in 0..k {
                for i in 0..n {
                    let lo = entries.partition_point(|e| e.0 < i);
                    let hi = entries.partition_point(|e| e.0 <= i);
                    y[i * k + c] =
                        compensated(entries[lo..hi].iter().map(|e| e.2 * x[e.1 * k + c]));
                }
            }
            y
        };
        let diag = |d: &[f64], x: &[f64]| -> Vec<f64> {
            (0..n * k).map(|idx| f(d[idx / k]) * x[idx]).collect()
        };
        match self {
            Operator::Dense(m) => dense(m, x),
            Operator::Diagonal(d) => diag(d, x),
            Operator::Sparse(s) => sparse(s, x),
            Operator::Identity => x.to_vec(),
            Operator::Composed(m, s) if trans => sparse(s, &dense(m, x)),
            Operator::Composed(m, s) => dense(m, &sparse(s, x)),
            Operator::Summed(m, d) => {
                let (a, b) = (dense(m, x), diag(d, x));
                a.iter().zip(&b).map(|(u, v)| u + v).collect()
            }
        }
    }
}

/// Neumaier's compensated sum.
fn compensated(terms: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for t in terms {
        let u = s + t;
        c += if s.abs() >= t.abs() {
            (s - u) + t
        } else {
            (t - u) + s
        };
        s = u;
    }
    s + c
}
