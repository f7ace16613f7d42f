"""The Python probe SDK: declare your own probe with decorators and serve it to nbench with
`python -m nbench_py serve MODULE`.

    from nbench_py import sdk as nb

    @nb.probe("mine.scale", axes={"size": [1000, 100000]}, representative={"size": 1000},
              threshold=(0.0, 0.0), reference="loop")
    def scale(gen, size):                  # the instance: drawn from nbench's seeded generator
        return (gen.uniform_f32(size, -1, 1),)

    @scale.backend("numpy")                # a backend: a plain callable on the inputs
    def _(x):
        return 2 * x

    @scale.oracle                          # the float64 reference output
    def _(x):
        return 2 * x.astype("f8")

Owns: the declarations (`Probe`), their registry and their checks (the same rules as the Rust
`ProbeInfo::check`), and the catalogue entry of each probe. It never measures; the attempt
(nbench_py.serve) does.
"""

_PROBES = {}


class Probe:
    """A declared probe: its instance builder, backends, oracle, tolerance and declared work."""

    def __init__(self, name, instance, axes, representative, description, reference,
                 threshold, work):
        self.name, self.instance, self.description = name, instance, description
        self.axes = {k: list(v) for k, v in axes.items()}
        self.representative = dict(representative or {})
        self.reference, self.threshold, self.work = reference, threshold, work
        self.backends = {}
        self.prepared = set()
        self.errors = []
        self.oracle_fn = None

    def backend(self, name, fn=None, *, prepared=False):
        """Adds backend `name`: `probe.backend("numpy", f)`, or as a decorator. The timed call
        is `f(*inputs)`; with `prepared=True`, `f(*inputs)` runs once, untimed, in setup (to
        allocate outputs, say) and returns the zero-argument callable that is timed."""
        def add(f):
            if name in self.backends:
                self.errors.append(f"backend `{name}` is declared twice")
            self.backends[name] = f
            if prepared:
                self.prepared.add(name)
            return f
        return add(fn) if fn is not None else add

    def oracle(self, fn):
        """Decorator: the float64 reference output for the same inputs."""
        self.oracle_fn = fn
        return fn

    def tolerance(self, params):
        t = self.threshold(**params) if callable(self.threshold) else self.threshold
        rtol, atol = (0.0, 0.0) if t is None else t
        return float(rtol), float(atol)

    def declared_work(self, params):
        w = self.work(**params) if callable(self.work) else (self.work or {})
        return {k: float(w[k]) for k in ("elems", "flops", "bytes") if k in w}

    def check(self):
        """None, or what is wrong with the declaration (naming the probe)."""
        def bad(what):
            return f"probe `{self.name}` is declared wrongly: {what}"
        if "." not in self.name:
            return bad("its name must be `family.name` (family, a dot, a name)")
        if self.errors:
            return bad(self.errors[0])
        if not self.backends:
            return bad("it declares no backends")
        for axis, values in self.axes.items():
            if not values:
                return bad(f"axis `{axis}` has no values")
            if _kind(values) is None:
                return bad(f"axis `{axis}` mixes values of different kinds")
            rep = self.representative.get(axis, values[0])
            if rep not in values:
                return bad(f"the representative value `{rep}` of axis `{axis}` is not among "
                           f"its values {', '.join(map(str, values))}")
        extra = set(self.representative) - set(self.axes)
        if extra:
            return bad(f"representative names unknown axis `{sorted(extra)[0]}`")
        if self.reference is not None and self.reference not in self.backends:
            return bad(f"its reference backend `{self.reference}` is not one of its backends "
                       f"{', '.join(self.backends)}")
        return None

    def info(self):
        """The catalogue entry, as `list` prints it."""
        entry = {
            "name": self.name, "family": self.name.split(".")[0],
            "description": self.description,
            "axes": [{"name": k, "kind": _kind(v), "values": v,
                      "representative": self.representative.get(k, v[0]), "open": False}
                     for k, v in self.axes.items()],
            "backends": [{"name": b, "platform": "cpu"} for b in self.backends],
            "hidden": False,
        }
        if self.reference is not None:
            entry["reference"] = self.reference
        return entry


def _kind(values):
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    return None


def probe(name, *, axes, representative=None, description="", reference=None,
          threshold=None, work=None):
    """Declares probe `name` (`family.name`) whose instance the decorated function builds.

    - `axes`: {axis: [values…]}; a point takes one value of each, passed as keyword arguments.
    - `representative`: {axis: value} for `--quick` runs (default: each axis's first value).
    - `reference`: the backend every other backend's speedup is measured against.
    - `threshold`: (rtol, atol), or a function of the point's params returning one; an element
      passes when |out − ref| ≤ atol + rtol·|ref| (default: exact).
    - `work`: {"elems", "flops", "bytes"} per call, or a function of the params returning it.

    The decorated function receives the generator (`gen.uniform_f32(n, lo, hi)`, `uniform_f64`,
    `matrix_f32`, `matrix_f64`: nbench's seeded draws, fed to the problem digest) and the
    point's params, and returns the inputs (a tuple, or one array) every backend is called on.
    """
    def declare(instance):
        p = Probe(name, instance, axes, representative, description or instance.__doc__ or "",
                  reference, threshold, work)
        if name in _PROBES:
            p.errors.append(f"probe `{name}` is declared twice")
        _PROBES[name] = p
        return p
    return declare


def registry():
    """Every declared probe, by name, in declaration order."""
    return dict(_PROBES)
