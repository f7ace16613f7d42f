"""The `numpy` provider's graph probe: graph.ell_aggregate, out_i = reduce_{j ∈ N(i)} W x_j.

Owns its NumPy implementation and input layout, mirroring the native probe's digest order:
in0 = the neighbour indices (n·d little-endian u32, materialised as raw bytes), in1 = X
(n × f, row-major f32), in2 = W (f × f, row-major f32). A practitioner applies W once per node
(X Wᵀ, through BLAS) and gathers with fancy indexing, then reduces over the d neighbours. It must
not generate data, time or judge.
"""

from .numpy_dense import DenseKernel


def build(np, probe, params, xs):
    """The kernel, or None when this module does not know `probe`."""
    if probe != "graph.ell_aggregate":
        return None
    if len(xs) != 3:
        raise ValueError(f"probe {probe} expects 3 inputs in the instance, found {len(xs)}")
    n, d, f = int(params["nodes"]), int(params["degree"]), int(params["features"])
    nbr = xs[0].view("<u4").reshape(n, d).astype(np.intp)
    x, w = xs[1].reshape(n, f), xs[2].reshape(f, f)
    out = np.empty((n, f), dtype=np.float32)
    reduce = np.max if params["reduce"] == "max" else np.sum

    def aggregate():
        reduce((x @ w.T)[nbr], axis=1, out=out)

    return DenseKernel(np, aggregate, out)


KNOWN = ["graph.ell_aggregate"]
