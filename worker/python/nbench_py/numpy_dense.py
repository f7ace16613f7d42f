"""The `numpy` provider's matrix and vector-space probes: tensor.add, tensor.matmul,
semiring.matmul (every algebra, with broadcasting as a practitioner writes it) and the space
family (f64 vectors).

Owns their NumPy implementations and input layout, mirroring the native probes: tensor.* and
semiring.matmul take in0 = A, in1 = B, row-major size×size (semiring always f32, tensor in the
point's dtype); space.* take in0, in1, … of length `size` (f64), four for lincomb. It must not
generate data, time or judge.
"""

from functools import partial

SPACE_ALPHA = 1.5
LINCOMB = (0.5, -1.25, 2.0, 0.75)


class DenseKernel:
    """`run` is the bound call writing into `out` (or returning a number when `out` is None)."""

    def __init__(self, np, run, out):
        self.np, self.run, self.out = np, run, out

    def output(self):
        if self.out is None:
            return self.np.asarray([float(self.run())], dtype=self.np.float64)
        return self.out.astype(self.np.float64).ravel()

    def timed(self, _iters):
        return None


class ResultKernel(DenseKernel):
    """For library calls without `out=` (SciPy's sparse product): `run` stores its result in
    `last[0]` and that is the output, so the timed call holds no copy into a preallocated
    array."""

    def __init__(self, np, run, last):
        super().__init__(np, run, None)
        self.last = last

    def output(self):
        return self.np.asarray(self.last[0], dtype=self.np.float64).ravel()


def _semiring(np, algebra, a, b, c):
    """C = A ⊗ B by materialising the n×n×n tensor of products, then reducing over k."""
    if algebra == "real":
        np.matmul(a, b, out=c)
        return
    if algebra == "euclidean":
        t = a[:, :, None] - b[None, :, :]
        np.square(t, out=t)
        np.sum(t, axis=1, out=c)
        return
    t = a[:, :, None] + b[None, :, :]
    np.max(t, axis=1, out=c)
    if algebra == "log":
        t -= c[:, None, :]
        np.exp(t, out=t)
        c += np.log(t.sum(axis=1))


def _space(np, op, xs):
    if op == "space.inner":
        return DenseKernel(np, partial(np.dot, xs[0], xs[1]), None)
    if op == "space.norm":
        return DenseKernel(np, partial(np.linalg.norm, xs[0]), None)
    out = np.empty_like(xs[0])
    if op == "space.scale":
        return DenseKernel(np, partial(np.multiply, xs[0], SPACE_ALPHA, out=out), out)
    if op == "space.axpy":
        def axpy():
            np.multiply(xs[0], SPACE_ALPHA, out=out)
            np.add(out, xs[1], out=out)
        return DenseKernel(np, axpy, out)
    tmp = np.empty_like(xs[0])

    def lincomb():
        np.multiply(xs[0], LINCOMB[0], out=out)
        for c, x in zip(LINCOMB[1:], xs[1:]):
            np.multiply(x, c, out=tmp)
            np.add(out, tmp, out=out)
    return DenseKernel(np, lincomb, out)


SPACE_INPUTS = {"space.axpy": 2, "space.inner": 2, "space.norm": 1, "space.scale": 1,
                "space.lincomb": 4}


def build(np, probe, params, xs):
    """The kernel, or None when this module does not know `probe`."""
    if probe in SPACE_INPUTS:
        if len(xs) != SPACE_INPUTS[probe]:
            raise ValueError(f"probe {probe} expects {SPACE_INPUTS[probe]} inputs, found {len(xs)}")
        return _space(np, probe, xs)
    if probe not in ("tensor.add", "tensor.matmul", "semiring.matmul"):
        return None
    if len(xs) != 2:
        raise ValueError(f"probe {probe} expects 2 inputs in the instance, found {len(xs)}")
    n = int(params["size"])
    a, b = xs[0].reshape(n, n), xs[1].reshape(n, n)
    c = np.empty_like(a)
    if probe == "tensor.add":
        return DenseKernel(np, partial(np.add, a, b, out=c), c)
    if probe == "tensor.matmul":
        return DenseKernel(np, partial(np.matmul, a, b, out=c), c)
    return DenseKernel(np, partial(_semiring, np, str(params["algebra"]), a, b, c), c)


KNOWN = sorted(list(SPACE_INPUTS) + ["tensor.add", "tensor.matmul", "semiring.matmul"])
