#!/usr/bin/env python3
"""Scheduling benchmark (issue #4), measured with nbench itself on a release build.

40 `calib.spin work=2000` attempts (4 seeds x --repeat 10) with --cpu-slots 2 against
--cpu-slots 1, alternated ROUNDS times so slow drift of the machine hits both alike:

- wall-time ratio: nbench's wall time with one slot / with two slots (goal >= 1.85x);
- per-attempt time: the median over the 40 rows of each row's steady_time.median, two slots
  against one (goal within 3 %).

Figures are computed from the rows, nothing else. Stores go to results/bench-scheduling/.

Usage: cargo build --release --bins &&
       flock /tmp/nbench-machine.lock python3 scripts/bench-scheduling.py [ROUNDS] > out.md
"""
import json, pathlib, statistics, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NB = ROOT / "target" / "release" / "nbench"
STORE = ROOT / "results" / "bench-scheduling"
PLAN = ["--family", "calib", "--match", "calib.spin", "--param", "work=2000", "--repeat", "10"]
# A fixed policy, identical in both regimes, so per-attempt times are comparable.
POLICY = ["--warmup", "0.2", "--sample-target", "0.01", "--min-samples", "20",
          "--max-samples", "40", "--time-cap", "1"]


def run(slots):
    before = set(STORE.iterdir()) if STORE.exists() else set()
    cmd = [str(NB), "run", "--store", str(STORE), "--cpu-slots", str(slots)] + PLAN + POLICY
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    (run_dir,) = set(STORE.iterdir()) - before
    rows = [json.loads(l) for l in (run_dir / "rows.jsonl").open()]
    assert len(rows) == 40 and all(r["status"] == "ok" for r in rows), run_dir
    medians = [r["metrics"]["steady_time"]["median"] for r in rows]
    return {"cmd": cmd, "wall": wall, "median": statistics.median(medians), "dir": run_dir}


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    STORE.mkdir(parents=True, exist_ok=True)
    res = {1: [], 2: []}
    for _ in range(rounds):
        for slots in (1, 2):
            res[slots].append(run(slots))
    print("## CPU slots: 40 `calib.spin` attempts, `--cpu-slots 2` against `--cpu-slots 1`\n")
    print("Command (slots 1 and 2 alternated, %d rounds each):\n" % rounds)
    shown = [c if not c.startswith(str(ROOT)) else c.replace(str(ROOT) + "/", "") for c in res[2][0]["cmd"]]
    print("    " + " ".join(shown) + "\n")
    print("| round | wall 1 slot (s) | wall 2 slots (s) | wall ratio | median/attempt 1 slot (ms) | median/attempt 2 slots (ms) | parallel vs serial |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, (a, b) in enumerate(zip(res[1], res[2]), 1):
        print("| %d | %.2f | %.2f | %.3fx | %.4f | %.4f | %+.2f %% |" % (
            i, a["wall"], b["wall"], a["wall"] / b["wall"], a["median"] * 1e3, b["median"] * 1e3,
            (b["median"] / a["median"] - 1) * 100))
    w1 = statistics.median(r["wall"] for r in res[1])
    w2 = statistics.median(r["wall"] for r in res[2])
    m1 = statistics.median(r["median"] for r in res[1])
    m2 = statistics.median(r["median"] for r in res[2])
    print("\nMedian over rounds: wall %.2f s (1 slot) / %.2f s (2 slots) = **%.3fx** (goal >= 1.85x); "
          "per-attempt median %.4f ms / %.4f ms = **%+.2f %%** (goal within 3 %%).\n"
          % (w1, w2, w1 / w2, m1 * 1e3, m2 * 1e3, (m2 / m1 - 1) * 100))
    print("Run directories: " + ", ".join(str(r["dir"].relative_to(ROOT)) for s in (1, 2) for r in res[s]))


if __name__ == "__main__":
    main()
