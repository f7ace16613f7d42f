"""A user's own NumPy kernel under nbench: squared Euclidean distances between two point sets,
written the obvious way (broadcasting) and the fast way (one matrix product, |x|² + |y|² − 2x·y)."""

import numpy as np

from nbench_py import sdk as nb

DIM = 16


@nb.probe("mine.sqdist", axes={"size": [256, 1024]}, representative={"size": 256},
          reference="broadcast", threshold=(1e-4, 1e-4),
          work=lambda size: {"elems": size * size, "flops": 3 * size * size * DIM})
def sqdist(gen, size):
    """squared distances between two sets of `size` f32 points in 16 dimensions"""
    return gen.matrix_f32(size, DIM, -1, 1), gen.matrix_f32(size, DIM, -1, 1)


@sqdist.backend("broadcast")
def _(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1)


@sqdist.backend("gemm")
def _(x, y):
    return (x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2 * (x @ y.T)


@sqdist.oracle
def _(x, y):
    x, y = x.astype(np.float64), y.astype(np.float64)
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1)
