//! The `fused` backend of `semiring.matmul`: a register-tiled kernel over any semiring, compiled
//! for the widest instruction set this CPU has, that never materialises the m × k × n tensor.
//!
//! This file owns the tiling (R = 4 rows of A × L lanes of B held in registers across the whole
//! k loop, B streamed row by row; narrower tiles for the columns the full width leaves) and the log semiring's rescaling trick. It must not allocate
//! more than O(n²) scratch: `peak_alloc` against `naive-dense` is part of the comparison.

use super::simd::{Body, Isa, dispatch, max};
use super::vmath;

/// Rows of A per register tile.
const R: usize = 4;

/// `C = A ⊗ B` over `(init, step)`: `c_ij = fold_k step(acc, a_ik, b_kj)` from `init`.
struct Tiled<'a, F> {
    n: usize,
    a: &'a [f32],
    b: &'a [f32],
    c: &'a mut [f32],
    init: f32,
    step: F,
}

impl<F: Fn(f32, f32, f32) -> f32> Tiled<'_, F> {
    /// Full `R × W` tiles over columns `from..`, as many as fit; returns the first column they
    /// leave uncovered.
    #[inline(always)]
    fn columns<const W: usize>(&mut self, from: usize) -> usize {
        let (n, a, b) = (self.n, self.a, self.b);
        let im = n - n % R;
        let jm = from + (n - from) / W * W;
        for i0 in (0..im).step_by(R) {
            for j0 in (from..jm).step_by(W) {
                let mut acc = [[self.init; W]; R];
                for k in 0..n {
                    let bk = &b[k * n + j0..k * n + j0 + W];
                    for (r, row) in acc.iter_mut().enumerate() {
                        let aik = a[(i0 + r) * n + k];
                        for j in 0..W {
                            row[j] = (self.step)(row[j], aik, bk[j]);
                        }
                    }
                }
                for (r, row) in acc.iter().enumerate() {
                    self.c[(i0 + r) * n + j0..(i0 + r) * n + j0 + W].copy_from_slice(row);
                }
            }
        }
        jm
    }
}

/// Tiles for the columns the full width leaves. Without them a matrix narrower than one full
/// tile (n = 64 under AVX-512's 128 lanes) falls entirely to the scalar edge loop: 148 µs
/// instead of 11 µs for the real algebra at n = 64 on this project's AVX-512 machine. 64 is
/// measured, not derived: 16- and 32-lane tiles compiled to code 3–6× slower there for some
/// algebras.
const NARROW: usize = 64;

impl<F: Fn(f32, f32, f32) -> f32> Body for Tiled<'_, F> {
    type Out = ();
    #[inline(always)]
    fn run<const L: usize>(&mut self) {
        let jm = self.columns::<L>(0);
        let jm = if L > NARROW {
            self.columns::<NARROW>(jm)
        } else {
            jm
        };
        let (n, a, b) = (self.n, self.a, self.b);
        let im = n - n % R;
        // The edges no tile covers (none for the catalogue's sizes).
        for i in 0..n {
            let from = if i < im { jm } else { 0 };
            for j in from..n {
                let mut s = self.init;
                for k in 0..n {
                    s = (self.step)(s, a[i * n + k], b[k * n + j]);
                }
                self.c[i * n + j] = s;
            }
        }
    }
}

/// Runs the tiled kernel for one algebra with `isa` (the caller resolves [`Isa::best`] once,
/// in setup, so the timed call does no feature detection).
pub fn matmul(isa: Isa, algebra: &str, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let fma = matches!(isa, Isa::Avx2 | Isa::Avx512);
    match algebra {
        "tropical" => tiled(isa, n, a, b, c, f32::NEG_INFINITY, |s, x, y| max(s, x + y)),
        "euclidean" => tiled(isa, n, a, b, c, 0.0, |s, x, y| {
            let d = x - y;
            s + d * d
        }),
        "log" => log_matmul(isa, n, a, b, c),
        // FMA only where it is one instruction; elsewhere `mul_add` would be a libm call.
        _ if fma => tiled(isa, n, a, b, c, 0.0, |s, x, y| x.mul_add(y, s)),
        _ => tiled(isa, n, a, b, c, 0.0, |s, x, y| s + x * y),
    }
}

fn tiled(
    isa: Isa,
    n: usize,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    init: f32,
    step: impl Fn(f32, f32, f32) -> f32,
) {
    dispatch(
        isa,
        &mut Tiled {
            n,
            a,
            b,
            c,
            init,
            step,
        },
    );
}

/// The log semiring as a rescaled real product: with row maxima `α_i` of A and column maxima
/// `β_j` of B, `c_ij = α_i + β_j + ln Σ_k e^(a_ik − α_i) e^(b_kj − β_j)`. Every factor is in
/// (0, 1] and the largest term of each row/column is 1, so nothing overflows; a term underflows
/// only when a row or column spans more than ~87 in value, far beyond this probe's inputs.
fn log_matmul(isa: Isa, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let alpha: Vec<f32> = a
        .chunks_exact(n)
        .map(|row| row.iter().copied().fold(f32::NEG_INFINITY, max))
        .collect();
    let mut beta = vec![f32::NEG_INFINITY; n];
    for row in b.chunks_exact(n) {
        for (m, &v) in beta.iter_mut().zip(row) {
            *m = max(*m, v);
        }
    }
    let ea: Vec<f32> = a
        .iter()
        .enumerate()
        .map(|(idx, &v)| vmath::exp(v - alpha[idx / n]))
        .collect();
    let eb: Vec<f32> = b
        .iter()
        .enumerate()
        .map(|(idx, &v)| vmath::exp(v - beta[idx % n]))
        .collect();
    let fma = matches!(isa, Isa::Avx2 | Isa::Avx512);
    if fma {
        tiled(isa, n, &ea, &eb, c, 0.0, |s, x, y| x.mul_add(y, s));
    } else {
        tiled(isa, n, &ea, &eb, c, 0.0, |s, x, y| s + x * y);
    }
    for (idx, v) in c.iter_mut().enumerate() {
        *v = alpha[idx / n] + beta[idx % n] + v.ln();
    }
}
