"""`python -m nbench_py serve MODULE [list]`: a user's module of SDK probes served as an nbench
worker, speaking the native worker's protocol (one spec on stdin, events and one row on stdout).

Owns: importing the module, `list` (the checked catalogue), and the SDK attempt's setup —
params against the axes, the seeded instance and its digest, the backend as the timed call,
the oracle. Everything after setup is nbench_py.attempt's, shared with the numpy/torch worker.
"""

import functools
import importlib
import importlib.util
import json
import os
import sys
import time

from . import sdk
from .attempt import Attempt, Prepared, proc_status_bytes, serve_spec
from .errors import EnvFailed, EnvMissing, Refused, Skipped
from .generate import Gen

WORKER = "nbench-py-sdk"
VERSION = "0.1.0"
USAGE = "usage: python -m nbench_py serve MODULE|FILE.py [list]"


def load(module):
    """Imports the user's module — a file path ending in `.py`, or a module name importable
    from the current directory or PYTHONPATH — and returns its probes."""
    if module.endswith(".py"):
        path = os.path.abspath(module)
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(
            os.path.splitext(os.path.basename(path))[0], path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    else:
        sys.path.insert(0, os.getcwd())
        importlib.import_module(module)
    return sdk.registry()


class CallKernel:
    """A backend on its inputs. The first call keeps the output; every later `run` is the bound
    call itself (functools.partial), so timing adds one Python call, as the numpy provider's."""

    def __init__(self, np, fn, inputs):
        self._np, self._fn, self._inputs, self._last = np, fn, inputs, None
        self.run = self._first

    def _first(self):
        self._last = self._fn(*self._inputs)
        self.run = functools.partial(self._fn, *self._inputs)

    def output(self):
        return self._np.asarray(self._last, dtype=self._np.float64).ravel()

    def timed(self, _iters):
        return None


class SdkAttempt(Attempt):
    """An attempt of a user's SDK probe."""

    raised = "the probe"
    module = None

    def setup(self):
        row = self.row
        try:
            probes = load(self.module)
        except Exception as e:  # noqa: BLE001 — the user's module failing to import is this row's error
            raise Refused(f"cannot import probe module `{self.module}`: {type(e).__name__}: "
                          f"{e}".lower()) from None
        p = probes.get(row["probe"])
        if p is None:
            raise Refused(f"unknown probe `{row['probe']}`; valid probes: {', '.join(probes)}")
        if row["provider"] != "native":
            raise EnvFailed(f"provider `{row['provider']}` is not supported by {WORKER}; valid "
                            "providers: native (the probe's own backends)", "provider_unsupported")
        if row["platform"] != "cpu":
            raise Skipped(f"sdk probes run on platform cpu, not `{row['platform']}`",
                          "platform_unsupported")
        fn = p.backends.get(row["backend"])
        if fn is None:
            raise Refused(f"unknown backend `{row['backend']}` for probe {p.name}; valid "
                          f"backends: {', '.join(p.backends)}")
        params = row["params"]
        if set(params) != set(p.axes):
            raise Refused(f"probe {p.name} takes parameters {', '.join(p.axes)}, got "
                          f"{', '.join(params) or 'none'}")
        for k, v in params.items():
            if v not in p.axes[k]:
                raise Refused(f"parameter `{k}` = {v} is not a value of probe {p.name}; valid "
                              f"values: {', '.join(map(str, p.axes[k]))}")
        if p.reference is not None:
            row["reference_backend"] = p.reference
        try:
            import numpy as np
            import xxhash  # noqa: F401 — the digest needs it; missing is an environment fault
        except ImportError as e:
            raise EnvMissing(f"sdk probes need numpy and xxhash, which this interpreter "
                             f"({sys.executable}) cannot import: {e}") from None
        self.metrics["baseline_rss"] = proc_status_bytes("VmRSS")
        t0 = time.perf_counter_ns()
        gen = Gen(p.name, params, row["seed"])
        inputs = p.instance(gen, **params)
        if not isinstance(inputs, tuple):
            inputs = (inputs,)
        row["problem_digest"] = gen.hex()
        # A prepared backend does its untimed work here, inside setup; what it returns is
        # the whole timed call.
        if row["backend"] in p.prepared:
            kernel = CallKernel(np, fn(*inputs), ())
        else:
            kernel = CallKernel(np, fn, inputs)
        self.metrics["setup_time"] = (time.perf_counter_ns() - t0) * 1e-9
        oracle = None
        if p.oracle_fn is not None:
            oracle = np.asarray(p.oracle_fn(*inputs), dtype=np.float64).ravel()
        rtol, atol = p.tolerance(params)
        return Prepared(np, kernel, oracle, rtol, atol, "f64_reference", p.declared_work(params))


def main(argv):
    if not argv or argv[0].startswith("-"):
        print(f"nbench_py serve: name the module of your probes\n{USAGE}", file=sys.stderr)
        return 2
    module, rest = argv[0], argv[1:]
    if rest == ["list"]:
        try:
            probes = load(module)
        except Exception as e:  # noqa: BLE001 — reported, not a traceback
            print(f"nbench_py serve: cannot import probe module `{module}`: "
                  f"{type(e).__name__}: {e}", file=sys.stderr)
            return 2
        if not probes:
            print(f"nbench_py serve: module `{module}` declares no probes "
                  "(decorate an instance function with @nbench_py.sdk.probe)", file=sys.stderr)
            return 2
        for p in probes.values():
            err = p.check()
            if err:
                print(f"nbench_py serve: {err}", file=sys.stderr)
                return 2
        print(json.dumps([p.info() for p in probes.values()]))
        return 0
    if rest:
        print(f"nbench_py serve: unexpected arguments {rest}\n{USAGE}", file=sys.stderr)
        return 2
    SdkAttempt.module = module
    return serve_spec(SdkAttempt, WORKER, VERSION)
