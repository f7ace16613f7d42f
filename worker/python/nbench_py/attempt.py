"""One attempt, spec to row, for every Python worker: the provider worker (numpy, torch) and
SDK probes alike (docs/architecture.md, "The worker protocol", "Measurement"). The stages after setup — the cold call and fidelity against
the float64 oracle, warm-up, measurement, rates, the measurement block, the verdict — and the
row around them live here once.

Owns: the row skeleton, stage events, turning exceptions into the row's failure, and reading
VmHWM as the last act. A subclass owns setup (`setup()` returns a `Prepared`); this module must
not generate or load inputs and must print nothing on stdout except through `emit`.
"""

import datetime
import json
import math
import os
import sys
import time

from . import fidelity, measure
from .errors import Refused

PROTOCOL = 1


def emit(obj):
    sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")
    sys.stdout.flush()


def now():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.isoformat(timespec="microseconds").replace("+00:00", "Z")


def proc_status_bytes(key):
    """A `kB` field of /proc/self/status in bytes, or None."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() in ("model name", "Hardware", "Processor") and v.strip():
                    return v.strip()
    except OSError:
        pass
    return "unknown"


class Prepared:
    """What setup hands the shared stages: the kernel (`run()`, `output()` as float64), the
    float64 oracle output or None, the tolerance, the oracle kind and the declared work."""

    def __init__(self, np, kernel, oracle, rtol, atol, oracle_kind="f64_reference", work=None):
        self.np, self.kernel, self.oracle = np, kernel, oracle
        self.rtol, self.atol, self.oracle_kind = rtol, atol, oracle_kind
        self.work = work or {}


class Attempt:
    """One spec to one row; `stage` is where a failure is reported. Subclasses define
    `setup()` (which sets problem_digest, setup_time and baseline_rss) and `raised` (who
    raised, for the message of an unexpected exception)."""

    raised = "the worker"

    def __init__(self, spec):
        self.spec = spec
        self.stage = "setup"
        self.torch = None
        cores = sorted(os.sched_getaffinity(0))
        self.threads = len(cores)
        self.row = {
            "schema_version": 1,
            "run_id": spec.get("run_id", ""),
            "attempt_id": spec.get("attempt_id", ""),
            "probe": spec["probe"],
            "family": spec["probe"].split(".")[0],
            "params": spec.get("params", {}),
            "seed": spec.get("seed", 0),
            "backend": spec.get("backend", ""),
            "provider": spec.get("provider", ""),
            "platform": spec.get("platform", "cpu"),
            "status": "ok",
            "device": {"kind": "cpu", "name": cpu_model(), "cores": cores},
            "started_at": now(),
            "finished_at": "",
        }
        if spec.get("variant"):
            self.row["variant"] = spec["variant"]
        self.metrics = {}

    def enter(self, stage):
        self.stage = stage
        emit({"event": "stage", "stage": stage})

    def setup(self):
        raise NotImplementedError

    def run(self):
        try:
            self.stages()
            self.verdict()
        except Refused as e:
            self.fail(e.status, str(e), e.reason)
        except Exception as e:  # noqa: BLE001 — any kernel error becomes this row's failure
            msg = f"{self.raised} raised in stage {self.stage}: {type(e).__name__}: {e}"
            self.fail("error", msg.lower().replace("\n", " "), None)
        self.row["finished_at"] = now()
        if self.torch is not None and self.row["platform"] == "cuda":
            self.metrics["peak_device_mem"] = int(self.torch.cuda.max_memory_allocated())
        # The high-water mark is read last so it covers everything the attempt did.
        self.metrics["peak_rss"] = proc_status_bytes("VmHWM")
        self.row["metrics"] = {k: v for k, v in self.metrics.items() if v is not None}
        return self.row

    def fail(self, status, message, reason):
        self.row["status"] = status
        failure = {"stage": self.stage, "message": message}
        if reason:
            failure["reason"] = reason
        self.row["failure"] = failure

    def stages(self):
        row = self.row
        self.enter("setup")
        p = self.setup()
        np, kernel, platform = p.np, p.kernel, row["platform"]

        self.enter("fidelity")
        t0 = time.perf_counter_ns()
        kernel.run()
        out = kernel.output()  # synchronises a device kernel, so cold time includes it
        self.metrics["cold_time"] = (time.perf_counter_ns() - t0) * 1e-9
        if p.oracle is not None:
            row["fidelity"] = fidelity.compare(np, out, p.oracle.astype(np.float64), p.rtol,
                                               p.atol, p.oracle_kind)
        del out

        policy = self.spec["policy"]
        self.enter("warmup")
        warmup_iters, warmup_spent, block = measure.warmup(kernel, policy)
        self.enter("measure")
        samples, iters, reason, ci = measure.sample(kernel, policy, block)
        stats = measure.time_stats(samples, iters, policy.get("keep_samples", True))
        self.metrics["steady_time"] = stats
        median = stats["median"] if stats else 0.0
        if median > 0:
            for key, amount, scale in (("throughput", p.work.get("elems", 0), 1.0),
                                       ("gflops", p.work.get("flops", 0), 1e-9),
                                       ("bandwidth", p.work.get("bytes", 0), 1.0)):
                if amount and amount > 0:
                    self.metrics[key] = amount / median * scale
        row["measurement"] = {
            "timer": "cuda_event" if platform == "cuda" else "clock_monotonic",
            "warmup_s": policy["warmup_s"], "warmup_iters": warmup_iters,
            "warmup_steady_tol": policy.get("warmup_steady_tol", 0.0), "warmup_spent_s": warmup_spent,
            "sample_target_s": policy["sample_target_s"],
            "min_samples": policy["min_samples"], "max_samples": policy["max_samples"],
            "target_rel_ci": policy["target_rel_ci"], "time_cap_s": policy["time_cap_s"],
            "stop_reason": reason,
            # JSON has no infinity; a CI that never closed is reported as the largest double.
            "achieved_rel_ci": ci if math.isfinite(ci) else sys.float_info.max,
            "cache": policy.get("cache", "hot"), "threads": self.threads,
        }

    def verdict(self):
        f = self.row.get("fidelity")
        if f is None:
            self.stage = "fidelity"
            self.fail("fidelity_inconclusive",
                      "no float64 oracle for this point; fidelity could not be decided", None)
        elif f["status"] != "pass":
            self.stage = "fidelity"
            rel = f"{f['rel_to_tol']:.3e}" if "rel_to_tol" in f else "non-finite"
            self.fail("fidelity_failed", f"output differs from the float64 oracle: "
                      f"rel_to_tol={rel}, n_mismatched={f['n_mismatched']}", None)


def serve_spec(make_attempt, worker, version):
    """Says hello, reads one spec from stdin, runs it, writes its row; the exit code."""
    emit({"event": "hello", "protocol": PROTOCOL, "worker": worker, "version": version,
          "build_profile": "interpreted"})
    line = sys.stdin.readline()
    try:
        spec = json.loads(line)
        if spec.get("protocol") != PROTOCOL:
            raise ValueError(f"protocol {spec.get('protocol')}, this worker speaks {PROTOCOL}")
        spec["probe"], spec["policy"]  # noqa: B018 — required fields
    except (ValueError, KeyError, AttributeError, TypeError) as e:
        print(f"{worker}: bad spec on stdin: {e}", file=sys.stderr)
        return 2
    row = make_attempt(spec).run()
    emit({"event": "row", "row": row})
    return 0
