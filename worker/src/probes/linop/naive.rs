//! The `naive` `linop` backend: the loops a user writes over row-major dense storage and CSR —
//! gather (row-wise dot products) for `A·X`, scatter (row-wise axpy) for `Aᵀ·X`, so both
//! stream the storage in order.
//!
//! This file owns only those loops; the operators and the reference are `operator`'s.

use super::operator::{Csr, Operator};

/// `y = op(A)·x` for row-major n × k `x` and `y` (`y` is overwritten).
pub fn apply(a: &Operator, trans: bool, x: &[f64], y: &mut [f64], n: usize, k: usize) {
    match a {
        Operator::Dense(m) => dense(m, trans, x, y, n, k),
        Operator::Diagonal(d) => diag(d, x, y, k, false),
        Operator::Sparse(s) => sparse(s, trans, x, y, n, k),
        Operator::Identity => y.copy_from_slice(x),
        Operator::Composed(m, s) => {
            // The intermediate is the price of composing; it is allocated per call, as a user's
            // composed operator would.
            let mut t = vec![0.0; n * k];
            if trans {
                dense(m, true, x, &mut t, n, k);
                sparse(s, true, &t, y, n, k);
            } else {
                sparse(s, false, x, &mut t, n, k);
                dense(m, false, &t, y, n, k);
            }
        }
        Operator::Summed(m, d) => {
            dense(m, trans, x, y, n, k);
            diag(d, x, y, k, true);
        }
    }
}

fn dense(m: &[f64], trans: bool, x: &[f64], y: &mut [f64], n: usize, k: usize) {
    if trans {
        y.fill(0.0);
        for (row, xi) in m.chunks_exact(n).zip(x.chunks_exact(k)) {
            for (&mij, yj) in row.iter().zip(y.chunks_exact_mut(k)) {
                for (o, &v) in yj.iter_mut().zip(xi) {
                    *o += mij * v;
                }
            }
        }
    } else {
        for (row, yi) in m.chunks_exact(n).zip(y.chunks_exact_mut(k)) {
            yi.fill(0.0);
            for (&mij, xj) in row.iter().zip(x.chunks_exact(k)) {
                for (o, &v) in yi.iter_mut().zip(xj) {
                    *o += mij * v;
                }
            }
        }
    }
}

fn diag(d: &[f64], x: &[f64], y: &mut [f64], k: usize, add: bool) {
    for ((yi, xi), &di) in y.chunks_exact_mut(k).zip(x.chunks_exact(k)).zip(d) {
        for (o, &v) in yi.iter_mut().zip(xi) {
            *o = if add { *o + di * v } else { di * v };
        }
    }
}

fn sparse(s: &Csr, trans: bool, x: &[f64], y: &mut [f64], n: usize, k: usize) {
    if trans {
        y.fill(0.0);
    }
    for i in 0..n {
        let (lo, hi) = (s.ptr[i], s.ptr[i + 1]);
        if trans {
            let xi = &x[i * k..(i + 1) * k];
            for (&j, &v) in s.idx[lo..hi].iter().zip(&s.val[lo..hi]) {
                for (o, &xv) in y[j * k..(j + 1) * k].iter_mut().zip(xi) {
                    *o += v * xv;
                }
            }
        } else {
            let yi = &mut y[i * k..(i + 1) * k];
            yi.fill(0.0);
            for (&j, &v) in s.idx[lo..hi].iter().zip(&s.val[lo..hi]) {
                for (o, &xv) in yi.iter_mut().zip(&x[j * k..(j + 1) * k]) {
                    *o += v * xv;
                }
            }
        }
    }
}
