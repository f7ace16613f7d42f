#!/usr/bin/env python3
"""The GPU check's plan and verdict (stdlib only: the GPU machine has python3 but no Rust).

    gpu-report.py plan CATALOGUE CPU_SLOTS   one line per nbench run: NAME<TAB>ARGS
    gpu-report.py report OUTDIR              write OUTDIR/report.md; exit 1 naming each
                                             failed check, 2 on unusable input

`scripts/gpu-check.sh` runs the plan and lays out OUTDIR (docs/gpu.md describes it). This
file is only the command line; the plan, checks and report are in scripts/gpucheck/.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gpucheck.checks import checks  # noqa: E402
from gpucheck.errors import BadInput  # noqa: E402
from gpucheck.outdir import read_json, read_phases, read_run, read_text  # noqa: E402
from gpucheck.plan import plan  # noqa: E402
from gpucheck.render import report  # noqa: E402

USAGE = __doc__.split("\n\n")[1]


def cmd_plan(catalogue, slots):
    try:
        n = int(slots)
    except ValueError:
        raise BadInput(f"CPU_SLOTS must be a whole number, got `{slots}`") from None
    if n < 1:
        raise BadInput(f"CPU_SLOTS must be at least 1, got {n}")
    for name, args, *_ in plan(read_json(catalogue), n):
        print(f"{name}\t{' '.join(args)}")
    return 0


def cmd_report(out):
    if not os.path.isdir(out):
        raise BadInput(f"{out} is not a directory (give the folder gpu-check.sh wrote)")
    cat = read_json(os.path.join(out, "catalogue.json"))
    runs = plan(cat, 1)
    per_run = {name: read_run(os.path.join(out, "store", name)) for name, *_ in runs}
    phases = read_phases(os.path.join(out, "phases.tsv"))
    gpus = read_json(os.path.join(out, "gpus.json"))
    if not isinstance(gpus, list):
        raise BadInput(f"{out}/gpus.json is not a json array")
    results = checks(cat, runs, per_run, phases, gpus,
                     read_text(os.path.join(out, "gpus.stderr")) or "")
    text = report(runs, per_run, phases, gpus, read_text(os.path.join(out, "libs.txt")) or "",
                  read_text(os.path.join(out, "torch.txt")) or "", results)
    path = os.path.join(out, "report.md")
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise BadInput(f"cannot write {path}: {e.strerror}") from None
    failed = [(n, bad) for n, bad in results if bad]
    for n, bad in failed:
        print(f"FAIL {n}: {bad[0]}" + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))
    print(f"gpu-report: {len(results) - len(failed)} of {len(results)} checks passed; "
          f"report {path}")
    return 1 if failed else 0


def main(argv):
    try:
        if len(argv) == 3 and argv[0] == "plan":
            return cmd_plan(argv[1], argv[2])
        if len(argv) == 2 and argv[0] == "report":
            return cmd_report(argv[1])
    except BadInput as e:
        print(f"gpu-report: {e}", file=sys.stderr)
        return 2
    print(f"gpu-report: unexpected arguments {argv}\nusage:\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
