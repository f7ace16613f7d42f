"""The `numpy` provider's linop family: linop.apply (A X), linop.rapply (Aᵀ X) and linop.vapply
(A X with k = 8 columns), for every operator kind; sparse parts through scipy.sparse.

Owns their NumPy/SciPy implementation and input layout, mirroring the native probe's digest
order (worker/src/probes/linop): the operator's parts, then X (n × k, row-major f64).
dense: M; diagonal: d; sparse: one u64 array holding the CSR row pointers (n + 1) followed by
the column indices, then the values; identity: nothing; composed (M ∘ S, S applied first): M,
then S as for sparse; summed (M + diag d): M, then d. Without SciPy a sparse kind is a `skipped`
row with reason `scipy_missing`. It must not generate data, time or judge.
"""

from .errors import Skipped
from .numpy_dense import DenseKernel, ResultKernel

PARTS = {"dense": 1, "diagonal": 1, "sparse": 2, "identity": 0, "composed": 3, "summed": 2}


def _csr(np, n, packed, val):
    try:
        import scipy.sparse as sp
    except ImportError:
        raise Skipped("sparse operators need scipy, which this interpreter cannot import",
                      "scipy_missing") from None
    ptr = packed[: n + 1].astype(np.int64)
    idx = packed[n + 1:].astype(np.int64)
    return sp.csr_matrix((val, idx, ptr), shape=(n, n))


def build(np, probe, params, xs):
    """The kernel, or None when this module does not know `probe`."""
    if probe not in ("linop.apply", "linop.rapply", "linop.vapply"):
        return None
    kind, n = str(params["op"]), int(params["size"])
    if kind not in PARTS:
        raise ValueError(f"unknown op `{kind}`; valid values: {', '.join(PARTS)}")
    if len(xs) != PARTS[kind] + 1:
        raise ValueError(f"probe {probe} op {kind} expects {PARTS[kind] + 1} inputs, "
                         f"found {len(xs)}")
    k = 8 if probe == "linop.vapply" else 1
    trans = probe == "linop.rapply"
    x = xs[-1].reshape(n, k)
    y = np.empty((n, k), dtype=np.float64)
    parts = xs[:-1]
    last = [None]  # the result of a call that returns one (no `out=` in scipy.sparse)

    if kind == "dense":
        m = parts[0].reshape(n, n)
        a = m.T if trans else m
        def call():
            np.matmul(a, x, out=y)
    elif kind == "diagonal":
        d = parts[0][:, None]
        def call():
            np.multiply(d, x, out=y)
    elif kind == "identity":
        def call():
            np.copyto(y, x)
    elif kind == "sparse":
        s = _csr(np, n, parts[0], parts[1])
        a = s.T.tocsr() if trans else s
        def call():
            last[0] = a @ x
    elif kind == "composed":
        m = parts[0].reshape(n, n)
        s = _csr(np, n, parts[1], parts[2])
        if trans:
            mt, st = m.T, s.T.tocsr()
            def call():
                last[0] = st @ (mt @ x)
        else:
            def call():
                np.matmul(m, s @ x, out=y)
    else:
        m = parts[0].reshape(n, n)
        a = m.T if trans else m
        d = parts[1][:, None]
        def call():
            np.matmul(a, x, out=y)
            np.add(y, d * x, out=y)
    if kind == "sparse" or (kind == "composed" and trans):
        return ResultKernel(np, call, last)
    return DenseKernel(np, call, y)


KNOWN = ["linop.apply", "linop.rapply", "linop.vapply"]
