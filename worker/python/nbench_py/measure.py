"""Timing loops and statistics, the same policy as the native worker's measure.rs/stats.rs.

Owns: warm-up (until the budget has passed or, with the steady-state rule, until blocks of calls
stop getting faster; at least one call), calibration (double the calls
per sample until one sample reaches sample_target_s, the cap permitting), sampling until
min_samples and the ~95 % CI of the median is within target_rel_ci, or time_cap_s, or
max_samples; and the row's steady_time statistics (type-7 quantiles, unscaled MAD). The clock
is time.perf_counter_ns (monotonic). It never compares outputs and never builds a row.
"""

import bisect
import math
import time

MAX_ITERS = 1 << 40


def quantile(sorted_xs, p):
    """Hyndman–Fan type 7: linear interpolation between order statistics."""
    n = len(sorted_xs)
    if n == 0:
        return float("nan")
    if n == 1:
        return sorted_xs[0]
    h = (n - 1) * min(max(p, 0.0), 1.0)
    lo = int(math.floor(h))
    hi = min(lo + 1, n - 1)
    return sorted_xs[lo] + (h - lo) * (sorted_xs[hi] - sorted_xs[lo])


def rel_ci_width(sorted_xs):
    """Relative width of the distribution-free ~95 % CI of the median (ranks n/2 ∓ 0.98√n)."""
    n = len(sorted_xs)
    if n == 0:
        return float("inf")
    half = n / 2.0
    spread = 0.98 * math.sqrt(n)
    lo = min(int(max(math.floor(half - spread), 1.0)), n)
    hi = min(int(max(math.ceil(half + spread), 1.0)), n)
    median = quantile(sorted_xs, 0.5)
    width = sorted_xs[hi - 1] - sorted_xs[lo - 1]
    if median > 0.0:
        return width / median
    return 0.0 if width == 0.0 else float("inf")


def time_stats(samples, iters_per_sample, keep):
    """The row's steady_time block, or None for no samples."""
    n = len(samples)
    if n == 0:
        return None
    s = sorted(samples)
    mean = sum(samples) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in samples) / (n - 1)) if n > 1 else 0.0
    median = quantile(s, 0.5)
    dev = sorted(abs(x - median) for x in s)
    out = {
        "min": s[0], "median": median, "mean": mean, "std": std,
        "mad": quantile(dev, 0.5),
        "p25": quantile(s, 0.25), "p75": quantile(s, 0.75),
        "p95": quantile(s, 0.95), "p99": quantile(s, 0.99),
        "max": s[-1], "n": n, "iters_per_sample": iters_per_sample,
    }
    if keep:
        out["samples"] = list(samples)
    return out


def _timed(kernel, iters):
    """Seconds for `iters` calls: the kernel's own clock if it has one (CUDA events)."""
    own = kernel.timed(iters)
    if own is not None:
        return own
    call = kernel.run
    t0 = time.perf_counter_ns()
    for _ in range(iters):
        call()
    return (time.perf_counter_ns() - t0) * 1e-9


STEADY_BLOCKS = 3


def warmup(kernel, policy):
    """Warms up as measure.rs does; returns (calls, seconds taken, calls per block at the end).

    Blocks of calls double until one reaches sample_target_s, until warmup_s has passed (at
    least one call, at most one block past it) or, with warmup_steady_tol > 0, until the first
    block, after at least STEADY_BLOCKS at that size, that is not faster than the best before it
    by more than the tolerance. A spec without the key means 0: the whole budget.
    """
    budget = max(policy["warmup_s"], 0.0) * 1e9
    target = max(policy["sample_target_s"], 0.0)
    tol = policy.get("warmup_steady_tol", 0.0)
    rule = tol > 0.0
    start = time.perf_counter_ns()
    iters, block, steady, best = 0, 1, 0, math.inf
    while True:
        t = _timed(kernel, block)
        iters += block
        ended = time.perf_counter_ns() - start >= budget
        if not ended and t < target and block < MAX_ITERS:
            block *= 2
        elif not ended:
            per_call = t / block
            faster = per_call < best * (1.0 - tol)
            best = min(best, per_call)
            steady += 1
            ended = rule and steady >= STEADY_BLOCKS and not faster
        if ended:
            return iters, (time.perf_counter_ns() - start) * 1e-9, block


def sample(kernel, policy, from_iters=1):
    """Calibrates from `from_iters` calls per sample up, and samples; returns (samples,
    iters_per_sample, stop_reason, rel_ci)."""
    start = time.perf_counter_ns()
    cap = max(policy["time_cap_s"], 0.0)
    target = max(policy["sample_target_s"], 0.0)
    elapsed = lambda: (time.perf_counter_ns() - start) * 1e-9  # noqa: E731
    iters = min(max(from_iters, 1), MAX_ITERS)
    while True:
        t = _timed(kernel, iters)
        would_overrun = elapsed() + 2.0 * t > cap
        if t >= target or would_overrun or iters >= MAX_ITERS:
            break
        iters *= 2
    samples = [t / iters]
    ordered = list(samples)
    max_samples = max(policy["max_samples"], 1)
    while True:
        n = len(samples)
        ci = rel_ci_width(ordered)
        if n >= max_samples:
            reason = "max_samples"
        elif n >= policy["min_samples"] and ci <= policy["target_rel_ci"]:
            reason = "converged"
        elif elapsed() >= cap:
            reason = "time_cap"
        else:
            reason = None
        if reason is not None:
            return samples, iters, reason, ci
        s = _timed(kernel, iters) / iters
        samples.append(s)
        bisect.insort(ordered, s)
