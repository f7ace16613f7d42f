//! The `faer` `linop` backend: the operators converted once (in setup) to faer's column-major
//! `Mat` and `SparseRowMat`, applied with `matmul` and `sparse_dense_matmul` at the attempt's
//! parallelism.
//!
//! This file owns the conversion and the calls; it must not do any work inside `apply` that a
//! faer user would hoist out (conversions, symbolic structure).

use faer::sparse::linalg::matmul::sparse_dense_matmul;
use faer::sparse::{SparseRowMat, Triplet};
use faer::{Accum, Mat, unzip, zip};

use super::operator::{Csr, Operator};
use crate::probe::ProbeError;

/// A faer-side operator.
pub enum FaerOp {
    /// Dense.
    Dense(Mat<f64>),
    /// Diagonal, as an n × 1 column.
    Diagonal(Mat<f64>),
    /// CSR.
    Sparse(SparseRowMat<usize, f64>),
    /// I.
    Identity,
    /// D ∘ S with its intermediate (n × k).
    Composed(Mat<f64>, SparseRowMat<usize, f64>, Mat<f64>),
    /// D + diag(d).
    Summed(Mat<f64>, Mat<f64>),
}

fn dense(m: &[f64], n: usize) -> Mat<f64> {
    Mat::from_fn(n, n, |i, j| m[i * n + j])
}

fn sparse(s: &Csr, n: usize) -> Result<SparseRowMat<usize, f64>, ProbeError> {
    let mut t = Vec::with_capacity(s.nnz());
    for i in 0..n {
        for p in s.ptr[i]..s.ptr[i + 1] {
            t.push(Triplet::new(i, s.idx[p], s.val[p]));
        }
    }
    SparseRowMat::try_new_from_triplets(n, n, &t)
        .map_err(|e| ProbeError::Failed(format!("faer rejected the sparse pattern: {e:?}")))
}

impl FaerOp {
    /// Converts `a` (n × n) for products with k columns.
    pub fn new(a: &Operator, n: usize, k: usize) -> Result<FaerOp, ProbeError> {
        Ok(match a {
            Operator::Dense(m) => FaerOp::Dense(dense(m, n)),
            Operator::Diagonal(d) => FaerOp::Diagonal(Mat::from_fn(n, 1, |i, _| d[i])),
            Operator::Sparse(s) => FaerOp::Sparse(sparse(s, n)?),
            Operator::Identity => FaerOp::Identity,
            Operator::Composed(m, s) => {
                FaerOp::Composed(dense(m, n), sparse(s, n)?, Mat::zeros(n, k))
            }
            Operator::Summed(m, d) => FaerOp::Summed(dense(m, n), Mat::from_fn(n, 1, |i, _| d[i])),
        })
    }

    /// `y = op(A)·x`.
    pub fn apply(&mut self, trans: bool, x: &Mat<f64>, y: &mut Mat<f64>) {
        let par = faer::get_global_parallelism();
        let dense = |m: &Mat<f64>, x: &Mat<f64>, y: &mut Mat<f64>, beta: Accum| {
            let m = if trans {
                m.as_ref().transpose()
            } else {
                m.as_ref()
            };
            faer::linalg::matmul::matmul(y.as_mut(), beta, m, x.as_ref(), 1.0, par);
        };
        let sparse = |s: &SparseRowMat<usize, f64>, x: &Mat<f64>, y: &mut Mat<f64>| {
            if trans {
                sparse_dense_matmul(
                    y.as_mut(),
                    Accum::Replace,
                    s.as_ref().transpose(),
                    x.as_ref(),
                    1.0,
                    par,
                );
            } else {
                sparse_dense_matmul(y.as_mut(), Accum::Replace, s.as_ref(), x.as_ref(), 1.0, par);
            }
        };
        let diag = |d: &Mat<f64>, x: &Mat<f64>, y: &mut Mat<f64>, add: bool| {
            for c in 0..x.ncols() {
                zip!(y.as_mut().col_mut(c), x.col(c), d.col(0)).for_each(|unzip!(o, v, di)| {
                    *o = if add { *o + *di * *v } else { *di * *v };
                });
            }
        };
        match self {
            FaerOp::Dense(m) => dense(m, x, y, Accum::Replace),
            FaerOp::Diagonal(d) => diag(d, x, y, false),
            FaerOp::Sparse(s) => sparse(s, x, y),
            FaerOp::Identity => y.copy_from(x),
            FaerOp::Composed(m, s, t) => {
                if trans {
                    dense(m, x, t, Accum::Replace);
                    sparse(s, t, y);
                } else {
                    sparse(s, x, t);
                    dense(m, t, y, Accum::Replace);
                }
            }
            FaerOp::Summed(m, d) => {
                dense(m, x, y, Accum::Replace);
                diag(d, x, y, true);
            }
        }
    }
}
