"""The GPU check's verdicts over the rows of a finished check: each check is a name and the
list of what failed it (empty = pass), in a fixed order. It judges only; reading is outdir's
and rendering is render's.
"""

from .plan import SEEDS, TORCH_FAMILIES, cuda_probes, key, p_axis, point_text, quick


def cuda_rows_at(rows, k, backend, provider):
    return [r for r in rows if r["platform"] == "cuda" and r["provider"] == provider
            and r["backend"] == backend and key(r["probe"], r["params"]) == k]


def why(r):
    """One line on a row's outcome, for failure lists."""
    f = r.get("failure") or {}
    fid = r.get("fidelity") or {}
    text = f"seed {r['seed']} {r['backend']}/{r['provider']}: {r['status']}"
    if f.get("reason"):
        text += f" ({f['reason']})"
    if fid and fid.get("status") != "pass":
        text += f", fidelity {fid.get('status')} rel_to_tol {fid.get('rel_to_tol')}"
    if f.get("message"):
        text += f": {f['message'][:200]}"
    return text


def every_seed_passes(rows, points, provider, backends):
    """Each point × backend has one row per seed, each `ok` with fidelity `pass`."""
    bad = []
    for k in points:
        label = f"{k[0]} {point_text(dict(k[1]))}"
        for b in backends(k[0]):
            got = cuda_rows_at(rows, k, b, provider)
            seeds = sorted(r["seed"] for r in got)
            if seeds != list(SEEDS):
                bad.append(f"{label} {b}/{provider}: rows for seeds {seeds}, expected "
                           f"{list(SEEDS)}")
            bad += [f"{label}: {why(r)}" for r in got
                    if r["status"] != "ok" or (r.get("fidelity") or {}).get("status") != "pass"]
    return bad


def overlap(a, b):
    # RFC 3339 with fixed microseconds and `Z`: string order is time order.
    return a["started_at"] < b["finished_at"] and b["started_at"] < a["finished_at"]


def max_concurrency(rows):
    # At equal timestamps ends sort before starts (0 < 1): touching is not overlapping.
    events = sorted(e for r in rows for e in ((r["started_at"], 1), (r["finished_at"], 0)))
    now = most = 0
    for _, start in events:
        now += 1 if start else -1
        most = max(most, now)
    return most


def runs_completed(runs, per_run, phases):
    bad = []
    for name, *_ in runs:
        code, secs, _ = phases.get(name, (None, 0.0, ""))
        rows, manifest = per_run[name]
        if code is None:
            bad.append(f"run {name} never started (the time budget ran out before it)")
        elif code not in (0, 3):  # 3: some attempt failed; the other checks say which
            bad.append(f"run {name} exited {code} after {secs:.0f} s with {len(rows)} rows")
        elif (manifest or {}).get("status") != "complete":
            bad.append(f"run {name}: manifest status {(manifest or {}).get('status')}")
    return bad


def one_device(gpus, gpus_stderr, per_run):
    bad = []
    if len(gpus) != 1 or not str(gpus[0].get("name", "")).strip():
        bad.append(f"nbench-worker gpus listed {len(gpus)} devices {gpus}; stderr: "
                   f"{gpus_stderr.strip()}")
    name = gpus[0].get("name") if gpus else None
    for run, (_, manifest) in sorted(per_run.items()):
        g = (manifest or {}).get("gpus") or {}
        seen = [d.get("name") for d in g.get("devices", [])]
        if manifest and (g.get("source") != "probed" or g.get("count") != 1 or seen != [name]):
            bad.append(f"run {run}: nbench scheduled over {g.get('count')} devices "
                       f"(source {g.get('source')}, {seen}, note {g.get('note')})")
    return bad


def on_the_device(cuda, name):
    bad = []
    for r in cuda:
        if r["status"] != "ok":
            continue
        d, m = r.get("device") or {}, r.get("measurement") or {}
        at = f"{r['probe']} {point_text(r['params'])} {why(r)}"
        if d.get("kind") != "cuda" or d.get("index") != 0:
            bad.append(f"{at}: device kind {d.get('kind')} index {d.get('index')}")
        if r["provider"] == "native" and d.get("name") != name:
            bad.append(f"{at}: device name {d.get('name')!r}, not {name!r}")
        if m.get("timer") != "cuda_event":
            bad.append(f"{at}: timer {m.get('timer')}")
    return bad


def events_within_wall(cuda):
    bad = []
    for r in cuda:
        st = (r.get("metrics") or {}).get("steady_time")
        if r["status"] != "ok" or not st:
            continue
        wall = (r.get("worker") or {}).get("wall_s")
        timed = sum(st["samples"]) if st.get("samples") else st["mean"] * st["n"]
        timed *= st["iters_per_sample"]
        if wall is None or timed > wall:
            bad.append(f"{r['probe']} {point_text(r['params'])} {why(r)}: samples sum to "
                       f"{timed:.4f} s, the worker's wall was {wall} s")
    return bad


def add_device_memory(cat, rows):
    add = next((p for p, _ in cuda_probes(cat) if p["name"] == "vec.add"), None)
    if add is None:
        return ["the catalogue has no vec.add with a cuda backend"]
    size = max(p_axis(add, "size")["values"])
    inputs = 2 * size * 4  # two f32 vectors of `size` elements
    got = [r for r in cuda_rows_at(rows, key("vec.add", {**quick(add), "size": size}),
                                   "cuda", "native") if r["status"] == "ok"]
    bad = [] if got else [f"no ok vec.add cuda row at size {size}"]
    for r in got:
        peak = (r.get("metrics") or {}).get("peak_device_mem")
        if peak is None or not inputs / 2 <= peak <= 2 * inputs:
            bad.append(f"size {size} seed {r['seed']}: peak_device_mem {peak} B, "
                       f"inputs {inputs} B")
    return bad


def one_at_a_time(cuda):
    bad = []
    most = max_concurrency(cuda)
    if most > 1:
        bad.append(f"{most} attempts ran on the device at once")
    held = sorted({str((r.get("worker") or {}).get("slot")) for r in cuda if r.get("worker")})
    if held not in ([], ["0"]):
        bad.append(f"cuda attempts held device slots {held}, expected only 0")
    return bad


def cpu_and_gpu_overlap(rows):
    on_cpu = [r for r in rows if r["platform"] == "cpu"]
    on_gpu = [r for r in rows if r["platform"] == "cuda"]
    if any(overlap(a, b) for a in on_cpu for b in on_gpu):
        return []
    return [f"no overlap among {len(on_cpu)} cpu and {len(on_gpu)} cuda rows of run quick"]


def torch_on_cuda(runs, rows):
    points = [k for _, _, _, pts in runs for k in pts]
    bad = every_seed_passes(rows, points, "torch", lambda p: ["torch"])
    families = {k[0].split(".")[0] for k in points}
    return bad + [f"no torch probe of family {f} was planned" for f in TORCH_FAMILIES
                  if f not in families]


def checks(cat, runs, per_run, phases, gpus, gpus_stderr):
    """[(name, failures)] for a finished check."""
    rows = [r for run_rows, _ in per_run.values() for r in run_rows]
    cuda = [r for r in rows if r["platform"] == "cuda"]
    name = gpus[0].get("name") if gpus else None
    backends = {p["name"]: b for p, b in cuda_probes(cat)}
    cuda_points = [k for _, _, pts, _ in runs for k in pts]
    return [
        ("every planned run completed", runs_completed(runs, per_run, phases)),
        ("nbench sees one device, by name", one_device(gpus, gpus_stderr, per_run)),
        ("every cuda backend passes fidelity at every planned point and seed",
         every_seed_passes(rows, cuda_points, "native", lambda p: backends[p])),
        ("cuda rows ran on that device, timed by cuda events", on_the_device(cuda, name)),
        ("cuda-event sample time fits in the worker's wall time", events_within_wall(cuda)),
        ("vec.add peak device memory within 2x of its inputs at its largest size",
         add_device_memory(cat, rows)),
        ("never two attempts on the device at once", one_at_a_time(cuda)),
        ("cpu and gpu attempts overlap in the mixed run",
         cpu_and_gpu_overlap(per_run.get("quick", ([], None))[0])),
        ("the torch provider on cuda passes fidelity, one probe per family or more",
         torch_on_cuda(runs, rows)),
    ]
