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

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nbench_py import instance  # noqa: E402
from nbench_py.attempt import Attempt, Prepared, proc_status_bytes, serve_spec  # noqa: E402
from nbench_py.errors import (  # noqa: E402
    EnvFailed, EnvMissing, NotImplementedForProvider, Refused, Skipped)

WORKER = "nbench-worker-py"
VERSION = "0.1.0"
# The frameworks this worker implements. Which platforms each runs on is the orchestrator's
# provider table (orchestrator/src/provider/mod.rs), sent in every spec as provider_platforms.
PROVIDERS = ("numpy", "torch")


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


class ProviderAttempt(Attempt):
    """A numpy or torch attempt: the provider's implementation on the materialised instance."""

    raised = "the provider"

    def setup(self):
        spec, row = self.spec, self.row
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

        th = meta.get("threshold") or {"rtol": 0.0, "atol": 0.0}
        return Prepared(np, kernel, oracle, th["rtol"], th["atol"],
                        meta.get("oracle_kind", "f64_reference"), meta.get("work", {}))


def main():
    return serve_spec(ProviderAttempt, WORKER, VERSION)


if __name__ == "__main__":
    sys.exit(main())
