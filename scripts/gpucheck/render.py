"""The GPU check's Markdown report: the machine and libraries, each run, each check with what
failed it, and the native cuda backend against the best CPU backend and against torch on
cuda, per point. Deterministic for the same inputs; it computes no verdict of its own.
"""

import statistics

from .plan import key, point_text


def fmt_time(s):
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.3g}×"


def medians(rows):
    """Per (point, backend, provider, platform): the median over seeds of each row's median."""
    by = {}
    for r in rows:
        st = (r.get("metrics") or {}).get("steady_time")
        if r["status"] == "ok" and st:
            k = (key(r["probe"], r["params"]), r["backend"], r["provider"], r["platform"])
            by.setdefault(k, []).append(st["median"])
    return {k: statistics.median(v) for k, v in by.items()}


def comparison(rows):
    """Table lines: each point with a native cuda median, sorted by probe and point."""
    m = medians(rows)
    lines = ["| probe | point | cuda (native) | best cpu | cpu ÷ cuda | torch on cuda | "
             "torch ÷ cuda |", "|---|---|---|---|---|---|---|"]
    points = sorted({k[0] for k in m if k[2] == "native" and k[3] == "cuda"})
    for pt in points:
        gpu = min(v for k, v in m.items() if k[0] == pt and k[2] == "native" and k[3] == "cuda")
        cpu = sorted((v, f"{k[1]}/{k[2]}") for k, v in m.items() if k[0] == pt and k[3] == "cpu")
        torch = next((v for k, v in m.items() if k[0] == pt and k[2] == "torch"
                      and k[3] == "cuda"), None)
        best, who = cpu[0] if cpu else (None, "")
        lines.append(f"| {pt[0]} | {point_text(dict(pt[1]))} | {fmt_time(gpu)} | "
                     f"{fmt_time(best)}{' ' + who if who else ''} | {fmt_ratio(best, gpu)} | "
                     f"{fmt_time(torch)} | {fmt_ratio(torch, gpu)} |")
    return lines


def device_line(gpus):
    if len(gpus) != 1:
        return f"{len(gpus)} devices listed"
    g = gpus[0]
    mem = g.get("memory_bytes") or 0
    return (f"{g.get('name')}, {mem / 2**30:.1f} GiB, driver CUDA {g.get('driver')}, "
            f"compute capability {g.get('compute_capability')}, SM clock "
            f"{g.get('sm_clock_mhz')} MHz, memory clock {g.get('mem_clock_mhz')} MHz")


def report(runs, per_run, phases, gpus, libs, torch_env, results):
    failed = [(n, bad) for n, bad in results if bad]
    verdict = ("**PASS**: every check passed" if not failed else
               f"**FAIL**: {len(failed)} of {len(results)} checks failed")
    out = ["# GPU check", "", f"Verdict: {verdict}.", "",
           f"- Device: {device_line(gpus)}",
           f"- Torch: {torch_env.strip() or 'not reported'}", "",
           "Libraries the worker loaded (`nbench-worker cuda-libs`):", "", "```",
           *(libs.strip().splitlines() or ["not reported"]), "```", "",
           "## Runs", "", "| run | exit | wall | rows | arguments |", "|---|---|---|---|---|"]
    for name, args, *_ in runs:
        code, secs, ran = phases.get(name, (None, None, ""))
        out.append(f"| {name} | {'not run' if code is None else code} | "
                   f"{'—' if secs is None else f'{secs:.0f} s'} | {len(per_run[name][0])} | "
                   f"`{ran or ' '.join(args)}` |")
    out += ["", "## Checks", "", "| check | result |", "|---|---|"]
    out += [f"| {n} | {'pass' if not bad else f'FAIL ({len(bad)})'} |" for n, bad in results]
    for n, bad in failed:
        out += ["", f"### FAIL: {n}", ""] + [f"- {b}" for b in bad[:40]]
        if len(bad) > 40:
            out.append(f"- … and {len(bad) - 40} more")
    rows = [r for rs, _ in per_run.values() for r in rs]
    out += ["", "## cuda against the best CPU backend and torch on cuda", "",
            "Medians of steady time per call (the median over the four seeds of each "
            "attempt's median). CPU backends ran only at the quick points, in the mixed run, "
            "each pinned to its CPU slot; `÷` is how many times longer the other took.", ""]
    out += comparison(rows)
    return "\n".join(out) + "\n"
