#!/usr/bin/env python3
"""nbench-worker-py: the worker for the `numpy` and `torch` providers (docs/architecture.md, docs/providers.md).

It speaks the native worker's protocol: reads one spec (a JSON line) on stdin, writes `hello`,
a `stage` event on entering setup, fidelity, warmup and measure, and finally one `row`, one
JSON object per line on stdout and nothing else (diagnostics go to stderr). It loads the
point's instance from spec.cache_dir (materialised by `nbench-worker materialize`), times the
provider's implementation with the native policy (nbench_py.measure), compares one output with
the float64 oracle (nbench_py.fidelity) and reads its own VmHWM as its last act.

It must not generate inputs, must not print anything else on stdout, and must say hello before
importing any framework, so a missing NumPy or torch becomes an `env_failed` row with reason
`provider_env_missing` rather than a crash.
"""

import datetime
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nbench_py import fidelity, instance, measure  # noqa: E402
from nbench_py.errors import (  # noqa: E402
    EnvFailed, EnvMissing, NotImplementedForProvider, Refused, Skipped)

PROTOCOL = 1
WORKER = "nbench-worker-py"
VERSION = "0.1.0"
# The frameworks this worker implements. Which platforms each runs on is the orchestrator's
# provider table (orchestrator/src/provider/mod.rs), sent in every spec as provider_platforms.
PROVIDERS = ("numpy", "torch")


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


def import_provider(provider, platform, threads):
    """(numpy, torch-or-None); EnvMissing when the framework cannot be imported."""
    try:
        import numpy as np
    except ImportError as e:
        raise EnvMissing(f"provider {provider} needs numpy, which this interpreter "
                         f"({sys.executable}) cannot import: {e}") from None
    if provider != "torch":
        return np, None
    try:
        import torch
    except ImportError as e:
        raise EnvMissing(f"provider torch needs torch, which this interpreter "
                         f"({sys.executable}) cannot import: {e}") from None
    torch.set_num_threads(max(threads, 1))
    if platform == "cuda":
        if not torch.cuda.is_available():
            raise EnvFailed("torch cannot see a cuda device (no driver or no gpu)",
                            "cuda_driver_missing")
        torch.cuda.reset_peak_memory_stats()
    return np, torch


class Attempt:
    """One spec to one row; `stage` is where a failure is reported."""

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

    def run(self):
        try:
            self.stages()
            self.verdict()
        except Refused as e:
            self.fail(e.status, str(e), e.reason)
        except Exception as e:  # noqa: BLE001 — any provider error becomes this row's failure
            msg = f"the provider raised in stage {self.stage}: {type(e).__name__}: {e}"
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
        spec, row = self.spec, self.row
        self.enter("setup")
        provider, platform = row["provider"], row["platform"]
        if provider not in PROVIDERS:
            raise EnvFailed(f"provider `{provider}` is not supported by {WORKER}; valid "
                            f"providers: {', '.join(PROVIDERS)}", "provider_unsupported")
        platforms = spec.get("provider_platforms") or []
        if platform not in platforms:
            raise Skipped(f"provider {provider} does not run on platform `{platform}`; its "
                          f"platforms: {', '.join(platforms) or 'none named in the spec'}",
                          "platform_unsupported")
        np, torch = import_provider(provider, platform, self.threads)
        self.torch = torch
        # Start-up includes the framework import: the baseline is what the worker holds
        # before it loads the instance, as the native worker's is before setup.
        self.metrics["baseline_rss"] = proc_status_bytes("VmRSS")
        if provider == "torch":
            from nbench_py import torch_impl as impl
        else:
            from nbench_py import numpy_impl as impl
        # Refused before the instance is touched: a probe without an implementation may have
        # no materialised instance at all (nbench's own calib probes generate no inputs).
        if row["probe"] not in impl.known(torch if provider == "torch" else np):
            raise NotImplementedForProvider(
                f"probe {row['probe']} is not implemented for provider {provider}")
        t0 = time.perf_counter_ns()
        meta, xs, oracle = instance.load(np, spec.get("cache_dir"))
        row["problem_digest"] = meta["digest"]
        # Equal digests mean equal inputs, so another seed's directory is the same instance;
        # another probe's is not.
        if meta.get("probe") != row["probe"]:
            raise Refused(f"the instance in {spec.get('cache_dir')} is for probe "
                          f"{meta.get('probe')}, not {row['probe']}")
        if provider == "torch":
            kernel = impl.build(torch, xs, row["probe"], row["params"], platform)
        else:
            kernel = impl.build(np, row["probe"], row["params"], xs, platform)
        self.metrics["setup_time"] = (time.perf_counter_ns() - t0) * 1e-9
        if platform == "cuda":
            row["device"] = {"kind": "cuda", "name": torch.cuda.get_device_name(0)}
            visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
            if visible.isdigit():
                row["device"]["index"] = int(visible)

        self.enter("fidelity")
        t0 = time.perf_counter_ns()
        kernel.run()
        out = kernel.output()  # synchronises a device kernel, so cold time includes it
        self.metrics["cold_time"] = (time.perf_counter_ns() - t0) * 1e-9
        if oracle is not None:
            th = meta["threshold"]
            row["fidelity"] = fidelity.compare(np, out, oracle.astype(np.float64), th["rtol"],
                                               th["atol"], meta.get("oracle_kind", "f64_reference"))
        del out

        policy = spec["policy"]
        self.enter("warmup")
        warmup_iters = measure.warmup(kernel, policy["warmup_s"])
        self.enter("measure")
        samples, iters, reason, ci = measure.sample(kernel, policy)
        stats = measure.time_stats(samples, iters, policy.get("keep_samples", True))
        self.metrics["steady_time"] = stats
        median = stats["median"] if stats else 0.0
        work = meta.get("work", {})
        if median > 0:
            for key, amount, scale in (("throughput", work.get("elems", 0), 1.0),
                                       ("gflops", work.get("flops", 0), 1e-9),
                                       ("bandwidth", work.get("bytes", 0), 1.0)):
                if amount and amount > 0:
                    self.metrics[key] = amount / median * scale
        row["measurement"] = {
            "timer": "cuda_event" if platform == "cuda" else "clock_monotonic",
            "warmup_s": policy["warmup_s"], "warmup_iters": warmup_iters,
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


def main():
    emit({"event": "hello", "protocol": PROTOCOL, "worker": WORKER, "version": VERSION,
          "build_profile": "interpreted"})
    line = sys.stdin.readline()
    try:
        spec = json.loads(line)
        if spec.get("protocol") != PROTOCOL:
            raise ValueError(f"protocol {spec.get('protocol')}, this worker speaks {PROTOCOL}")
        spec["probe"], spec["policy"]  # noqa: B018 — required fields
    except (ValueError, KeyError, AttributeError, TypeError) as e:
        print(f"{WORKER}: bad spec on stdin: {e}", file=sys.stderr)
        return 2
    row = Attempt(spec).run()
    emit({"event": "row", "row": row})
    return 0


if __name__ == "__main__":
    sys.exit(main())
