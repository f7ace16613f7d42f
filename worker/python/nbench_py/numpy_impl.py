"""The `numpy` provider: each probe as a performance-aware NumPy user writes it.

Owns the NumPy implementation of every probe this provider knows and their input layout
(which inN is which, shapes from params), mirroring the native probes' generation order:
vec ops take in0, in1, … of length `size` (f32). Element-wise ops write into a preallocated output
with ufunc `out=` chains (the native kernels also write into a preallocated buffer, so neither
side is charged an allocation per call). Matrix and space probes live in numpy_dense.
It must not generate data, time or judge.
"""

import math
from functools import partial

from . import numpy_dense, numpy_graph, numpy_linop
from .errors import NotImplementedForProvider

F32_ALPHA = 1.5
LERP_T = 0.25
GELU_K = math.sqrt(2.0 / math.pi)
GELU_C = 0.044715


def _elementwise(np):
    """op → (number of inputs, bind(inputs, out) → a zero-argument call)."""
    f32 = np.float32

    def sigmoid(x, c):
        np.negative(x[0], out=c)
        np.exp(c, out=c)
        c += f32(1.0)
        np.reciprocal(c, out=c)

    def swish(x, c):
        np.negative(x[0], out=c)
        np.exp(c, out=c)
        c += f32(1.0)
        np.divide(x[0], c, out=c)

    def gelu(x, c):
        a = x[0]
        np.multiply(a, a, out=c)
        c *= a
        c *= f32(GELU_C)
        c += a
        c *= f32(GELU_K)
        np.tanh(c, out=c)
        c += f32(1.0)
        c *= a
        c *= f32(0.5)

    def lerp(x, c):
        np.subtract(x[1], x[0], out=c)
        c *= f32(LERP_T)
        np.add(x[0], c, out=c)

    def fma(x, d):
        np.multiply(x[0], x[1], out=d)
        d += x[2]

    def softmax(x, c):
        np.subtract(x[0], x[0].max(), out=c)
        np.exp(c, out=c)
        c /= c.sum()

    def log_softmax(x, c):
        m = x[0].max()
        np.subtract(x[0], m, out=c)
        np.exp(c, out=c)
        np.subtract(x[0], m + np.log(c.sum()), out=c)

    return {
        "vec.copy": (1, lambda x, c: partial(np.copyto, c, x[0])),
        "vec.add": (2, lambda x, c: partial(np.add, x[0], x[1], out=c)),
        "vec.sub": (2, lambda x, c: partial(np.subtract, x[0], x[1], out=c)),
        "vec.mul": (2, lambda x, c: partial(np.multiply, x[0], x[1], out=c)),
        "vec.div": (2, lambda x, c: partial(np.divide, x[0], x[1], out=c)),
        "vec.scale": (1, lambda x, c: partial(np.multiply, x[0], f32(F32_ALPHA), out=c)),
        "vec.abs": (1, lambda x, c: partial(np.abs, x[0], out=c)),
        "vec.clamp": (1, lambda x, c: partial(np.clip, x[0], f32(-0.5), f32(0.5), out=c)),
        "vec.lerp": (2, lambda x, c: partial(lerp, x, c)),
        "vec.fma": (3, lambda x, c: partial(fma, x, c)),
        "vec.relu": (1, lambda x, c: partial(np.maximum, x[0], f32(0.0), out=c)),
        "vec.sigmoid": (1, lambda x, c: partial(sigmoid, x, c)),
        "vec.tanh": (1, lambda x, c: partial(np.tanh, x[0], out=c)),
        "vec.gelu": (1, lambda x, c: partial(gelu, x, c)),
        "vec.swish": (1, lambda x, c: partial(swish, x, c)),
        "vec.exp": (1, lambda x, c: partial(np.exp, x[0], out=c)),
        "vec.softmax": (1, lambda x, c: partial(softmax, x, c)),
        "vec.log_softmax": (1, lambda x, c: partial(log_softmax, x, c)),
    }


def _reductions(np):
    """op → (number of inputs, bind(inputs) → a zero-argument call returning the number)."""
    norm = np.linalg.norm
    return {
        "vec.dot": (2, lambda x: partial(np.dot, x[0], x[1])),
        "vec.sum": (1, lambda x: x[0].sum),
        "vec.max": (1, lambda x: x[0].max),
        "vec.min": (1, lambda x: x[0].min),
        "vec.argmax": (1, lambda x: x[0].argmax),
        "vec.argmin": (1, lambda x: x[0].argmin),
        "vec.norm_l1": (1, lambda x: partial(norm, x[0], 1)),
        "vec.norm_l2": (1, lambda x: partial(norm, x[0])),
        "vec.norm_linf": (1, lambda x: partial(norm, x[0], np.inf)),
    }


class MapKernel:
    """An element-wise op writing into one preallocated output.

    `run` is the bound NumPy call itself (a functools.partial), so the timing loop adds one
    C-level call per iteration and no Python frame of ours.
    """

    def __init__(self, np, bind, xs):
        self.np = np
        self.out = np.empty_like(xs[0])
        self.run = bind(xs, self.out)

    def output(self):
        return self.out.astype(self.np.float64).ravel()

    def timed(self, _iters):
        return None


class ReduceKernel:
    """A reduction to one number; `run` is the bound NumPy call, its result discarded."""

    def __init__(self, np, bind, xs):
        self.np = np
        self.run = bind(xs)

    def output(self):
        return self.np.asarray([float(self.run())], dtype=self.np.float64)

    def timed(self, _iters):
        return None


def _inputs(probe, xs, want):
    if len(xs) != want:
        raise ValueError(f"probe {probe} expects {want} inputs in the instance, found {len(xs)}")
    return xs


def build(np, probe, params, xs, platform):
    """The kernel for `probe` on the materialised inputs `xs`."""
    del platform  # NumPy runs on the CPU only; the planner never asks for another platform.
    ew = _elementwise(np)
    if probe in ew:
        n, fn = ew[probe]
        return MapKernel(np, fn, _inputs(probe, xs, n))
    red = _reductions(np)
    if probe in red:
        n, fn = red[probe]
        return ReduceKernel(np, fn, _inputs(probe, xs, n))
    for module in (numpy_dense, numpy_graph, numpy_linop):
        kernel = module.build(np, probe, params, xs)
        if kernel is not None:
            return kernel
    raise NotImplementedForProvider(f"probe {probe} is not implemented for provider numpy")


def known(np):
    """Every probe this provider implements."""
    others = numpy_dense.KNOWN + numpy_graph.KNOWN + numpy_linop.KNOWN
    return sorted(list(_elementwise(np)) + list(_reductions(np)) + others)
