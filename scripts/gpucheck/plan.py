"""The GPU check's plan: which nbench runs cover every native cuda backend (quick point, every
other value of each non-size axis, largest size) and the torch provider on cuda, and which
points each run must produce. The checks read their expectations from the same plan, so what
is checked is exactly what was run. Pure: it never reads files or starts processes.
"""

from .errors import BadInput

SEEDS = (0, 1, 2, 3)
# The torch provider's families beyond the probes with a native cuda backend: one probe each.
TORCH_EXTRA = ("graph.ell_aggregate",)
TORCH_FAMILIES = ("vec", "tensor", "semiring", "graph")


def cuda_probes(cat):
    """(probe info, native cuda backend names) for every visible probe with one."""
    out = []
    for p in sorted(cat, key=lambda p: p["name"]):
        names = sorted(b["name"] for b in p["backends"] if b["platform"] == "cuda")
        if names and not p["hidden"]:
            out.append((p, names))
    return out


def quick(p):
    return {a["name"]: a["representative"] for a in p["axes"]}


def key(probe, params):
    return (probe, tuple(sorted((k, str(v)) for k, v in params.items())))


def point_text(params):
    return ",".join(f"{k}={v}" for k, v in sorted(params.items()))


def plan(cat, slots):
    """The runs, most telling first (a run the time budget cuts off costs the least there):
    (name, nbench run args, native cuda points, torch cuda points)."""
    probes = cuda_probes(cat)
    if not probes:
        raise BadInput("the catalogue has no probe with a cuda backend")
    torch = [p for p, _ in probes] + [p for p in cat if p["name"] in TORCH_EXTRA]
    runs = []
    args = ["--quick", "--platforms", "cpu,cuda", "--cpu-slots", str(slots),
            "--provider", "native", "--provider", "torch"]
    for p in torch:
        args += ["--match", p["name"]]
    runs.append(("quick", args, [key(p["name"], quick(p)) for p, _ in probes],
                 [key(p["name"], quick(p)) for p in torch]))
    # The largest size, probes sharing it in one run.
    by_size = {}
    for p, backends in probes:
        size = p_axis(p, "size")
        if size and max(size["values"]) != size["representative"]:
            by_size.setdefault(max(size["values"]), []).append((p, backends))
    for size, group in sorted(by_size.items(), reverse=True):
        args = ["--quick", "--platforms", "cuda", "--backend",
                ",".join(sorted({b for _, bs in group for b in bs}))]
        for p, _ in group:
            args += ["--match", p["name"]]
        args += ["--param", f"size={size}"]
        runs.append((f"large-{size}", args,
                     [key(p["name"], {**quick(p), "size": size}) for p, _ in group], []))
    # Every other value of every non-size axis at the quick size: each semiring algebra and
    # each dtype is its own kernel program or cuBLAS routine.
    for p, backends in probes:
        for a in p["axes"]:
            others = [v for v in a["values"] if v != a["representative"]]
            if a["name"] == "size" or not others:
                continue
            pts = [key(p["name"], {**quick(p), a["name"]: v}) for v in others]
            runs.append((f"axis-{p['name']}-{a['name']}", cuda_args(p, backends) +
                         ["--param", f"{a['name']}=" + ",".join(map(str, others))], pts, []))
    return runs


def p_axis(p, name):
    return next((a for a in p["axes"] if a["name"] == name), None)


def cuda_args(p, backends):
    return ["--quick", "--platforms", "cuda", "--backend", ",".join(backends),
            "--match", p["name"]]
