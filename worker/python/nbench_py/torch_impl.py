"""The `torch` provider: each probe as a PyTorch user writes it, on `cpu` or `cuda`.

Owns the torch implementation of the probes it knows (vec ops, tensor.add, tensor.matmul,
semiring.matmul, graph.ell_aggregate), with the same input layout as numpy_impl, numpy_dense
and numpy_graph. On cuda the inputs are copied to the device in setup, a call's
time comes from CUDA events around the launches (synchronised), and peak device memory from
torch.cuda.max_memory_allocated. It must not generate data or judge outputs.
"""

import math

from .errors import NotImplementedForProvider

GELU_K = math.sqrt(2.0 / math.pi)
GELU_C = 0.044715


def _elementwise(torch):
    def fma(x, d):
        torch.mul(x[0], x[1], out=d)
        d.add_(x[2])

    def lerp(x, c):
        torch.sub(x[1], x[0], out=c)
        c.mul_(0.25).add_(x[0])

    def gelu(x, c):
        a = x[0]
        torch.mul(a, a, out=c)
        c.mul_(a).mul_(GELU_C).add_(a).mul_(GELU_K).tanh_().add_(1.0).mul_(a).mul_(0.5)

    # softmax, log_softmax and silu have no `out=`: they return a fresh tensor, which becomes
    # the kernel's output, rather than being copied into `c` inside the timed call.
    def softmax(x, c):
        return torch.softmax(x[0], 0)

    def log_softmax(x, c):
        return torch.log_softmax(x[0], 0)

    return {
        "vec.copy": (1, lambda x, c: c.copy_(x[0])),
        "vec.add": (2, lambda x, c: torch.add(x[0], x[1], out=c)),
        "vec.sub": (2, lambda x, c: torch.sub(x[0], x[1], out=c)),
        "vec.mul": (2, lambda x, c: torch.mul(x[0], x[1], out=c)),
        "vec.div": (2, lambda x, c: torch.div(x[0], x[1], out=c)),
        "vec.scale": (1, lambda x, c: torch.mul(x[0], 1.5, out=c)),
        "vec.abs": (1, lambda x, c: torch.abs(x[0], out=c)),
        "vec.clamp": (1, lambda x, c: torch.clamp(x[0], -0.5, 0.5, out=c)),
        "vec.lerp": (2, lerp),
        "vec.fma": (3, fma),
        "vec.relu": (1, lambda x, c: torch.clamp(x[0], min=0.0, out=c)),
        "vec.sigmoid": (1, lambda x, c: torch.sigmoid(x[0], out=c)),
        "vec.tanh": (1, lambda x, c: torch.tanh(x[0], out=c)),
        "vec.gelu": (1, gelu),
        "vec.swish": (1, lambda x, c: torch.nn.functional.silu(x[0])),
        "vec.exp": (1, lambda x, c: torch.exp(x[0], out=c)),
        "vec.softmax": (1, softmax),
        "vec.log_softmax": (1, log_softmax),
    }


def _reductions(torch):
    vn = torch.linalg.vector_norm
    return {
        "vec.dot": (2, lambda x: torch.dot(x[0], x[1])),
        "vec.sum": (1, lambda x: x[0].sum()),
        "vec.max": (1, lambda x: x[0].max()),
        "vec.min": (1, lambda x: x[0].min()),
        "vec.argmax": (1, lambda x: x[0].argmax()),
        "vec.argmin": (1, lambda x: x[0].argmin()),
        "vec.norm_l1": (1, lambda x: vn(x[0], 1)),
        "vec.norm_l2": (1, lambda x: vn(x[0], 2)),
        "vec.norm_linf": (1, lambda x: vn(x[0], math.inf)),
    }


class TorchKernel:
    """One call on device tensors; `out` is None for reductions."""

    def __init__(self, torch, fn, xs, reduces, device):
        self.torch, self.fn, self.xs, self.reduces = torch, fn, xs, reduces
        self.cuda = device == "cuda"
        self.out = None if reduces else torch.empty_like(xs[0])
        self.value = None

    def run(self):
        if self.reduces:
            self.value = self.fn(self.xs)
        else:
            # A function with `out=` fills self.out (and returns it, or None for in-place
            # chains); one without returns its own result.
            self.value = self.fn(self.xs, self.out)

    def output(self):
        import numpy as np

        if self.cuda:
            self.torch.cuda.synchronize()
        if self.reduces:
            return np.asarray([float(self.value)], dtype=np.float64)
        out = self.value if self.value is not None else self.out
        return out.detach().cpu().numpy().astype(np.float64).ravel()

    def timed(self, iters):
        """CUDA: events around `iters` launches, synchronised; CPU: the caller's clock."""
        if not self.cuda:
            return None
        torch = self.torch
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        for _ in range(iters):
            self.run()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) * 1e-3


def _semiring(torch, algebra):
    """C = A ⊗ B with broadcasting over the n×n×n tensor, as a torch user writes it."""
    if algebra == "real":
        return lambda x, c: torch.mm(x[0], x[1], out=c)
    if algebra == "tropical":
        return lambda x, c: torch.amax(x[0][:, :, None] + x[1][None, :, :], 1, out=c)
    if algebra == "log":
        return lambda x, c: torch.logsumexp(x[0][:, :, None] + x[1][None, :, :], 1, out=c)
    return lambda x, c: torch.sum((x[0][:, :, None] - x[1][None, :, :]) ** 2, 1, out=c)


def _graph(torch, np_inputs, params, device):
    """graph.ell_aggregate as a torch user writes it: H = X Wᵀ once, gather each edge's message,
    then `scatter_reduce` onto the receiving node (the layout of numpy_graph: in0 = neighbour
    indices as raw little-endian u32 bytes, in1 = X, in2 = W)."""
    n, d, f = int(params["nodes"]), int(params["degree"]), int(params["features"])
    if len(np_inputs) != 3:
        raise ValueError(f"graph.ell_aggregate expects 3 inputs, found {len(np_inputs)}")
    nbr = torch.from_numpy(np_inputs[0].view("<u4").astype("int64")).to(device)
    x = torch.from_numpy(np_inputs[1]).to(device).reshape(n, f)
    w = torch.from_numpy(np_inputs[2]).to(device).reshape(f, f)
    # Edge e = i·d + k delivers neighbour nbr[e]'s message to node i.
    dst = torch.arange(n, device=device).repeat_interleave(d)[:, None].expand(n * d, f)
    reduce = "amax" if params["reduce"] == "max" else "sum"

    def aggregate(xs, c):
        msgs = torch.mm(xs[0], xs[1].t()).index_select(0, nbr)
        # Every node has d ≥ 1 neighbours, so the reduction never sees an empty set and the
        # initial contents of `c` are excluded rather than cleared.
        c.scatter_reduce_(0, dst, msgs, reduce, include_self=False)

    return TorchKernel(torch, aggregate, [x, w], False, device)


def build(torch, np_inputs, probe, params, platform):
    """The kernel for `probe` on the materialised inputs, on `platform` (cpu or cuda)."""
    device = "cuda" if platform == "cuda" else "cpu"
    if probe == "graph.ell_aggregate":
        return _graph(torch, np_inputs, params, device)
    xs = [torch.from_numpy(x).to(device) for x in np_inputs]
    ew = _elementwise(torch)
    if probe in ew:
        return TorchKernel(torch, ew[probe][1], xs, False, device)
    red = _reductions(torch)
    if probe in red:
        return TorchKernel(torch, red[probe][1], xs, True, device)
    if probe in ("tensor.add", "tensor.matmul", "semiring.matmul"):
        n = int(params["size"])
        a, b = (x.reshape(n, n) for x in xs)
        if probe == "tensor.add":
            fn = lambda x, c: torch.add(x[0], x[1], out=c)  # noqa: E731
        elif probe == "tensor.matmul":
            fn = lambda x, c: torch.mm(x[0], x[1], out=c)  # noqa: E731
        else:
            fn = _semiring(torch, str(params["algebra"]))
        return TorchKernel(torch, fn, [a, b], False, device)
    raise NotImplementedForProvider(f"probe {probe} is not implemented for provider torch")


def known(torch):
    """Every probe this provider implements."""
    extra = ["tensor.add", "tensor.matmul", "semiring.matmul", "graph.ell_aggregate"]
    return sorted(list(_elementwise(torch)) + list(_reductions(torch)) + extra)
