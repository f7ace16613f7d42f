#!/usr/bin/env bash
# The shell steps of nbench's CI recipe (docs/ci.md), one subcommand per step, so the workflow
# files stay declarative and the same commands run on a laptop and in nbench's own tests.
#
#   nbench-gate.sh machine-class   print this machine's class (a key for the baseline cache)
#   nbench-gate.sh baseline        on main: run the plan, keep the run as $NBENCH_CI/baseline
#   nbench-gate.sh gate            on a pull request: run the plan, gate against the baseline
#   nbench-gate.sh ab              no baseline for this machine: A/B against $NBENCH_BASE_WORKER
#
# Variables: NBENCH (the binary, default target/release/nbench), NBENCH_PLAN (the plan's flags,
# default "--quick --family vec --match vec.add,vec.sum"), NBENCH_CI (the results directory,
# default results/ci), NBENCH_GATE (extra gate flags, e.g. "--threshold 0.10"), NBENCH_BASE_WORKER
# (the merge base's worker, for `ab`). Exit codes are
# nbench's: 0 pass, 1 regression, 2 bad input (e.g. no baseline), 3 attempts failed.
set -euo pipefail
nbench=${NBENCH:-target/release/nbench}
ci=${NBENCH_CI:-results/ci}
# shellcheck disable=SC2206  # the plan is a list of flags on purpose
plan=(${NBENCH_PLAN:---quick --match vec.add --match vec.sum})
# shellcheck disable=SC2206
gate=(${NBENCH_GATE:-})
summary=()
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then summary=(--github-summary); fi

machine_class() {
    # Timings compare only on the same CPU model and core count: hosted runners change CPU from
    # job to job, so the class keys the cached baseline and a PR on other hardware finds none.
    local model cores
    model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
    cores=$(nproc)
    printf '%s-%s' "$(printf '%s' "${model:-unknown}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-*$//')" "$cores"
}

case "${1:-}" in
machine-class)
    machine_class
    echo
    ;;
baseline)
    rm -rf "$ci/baseline" && mkdir -p "$ci"
    # Exit 3 (an attempt failed) still leaves a usable baseline; the gate reports it per point.
    "$nbench" run "${plan[@]}" --store "$ci/baseline" --progress lines || [ $? -eq 3 ]
    machine_class >"$ci/baseline/MACHINE_CLASS"
    ;;
gate)
    if [ ! -d "$ci/baseline" ]; then
        echo "nbench-gate: no baseline at $ci/baseline: run 'baseline' on main first (or use 'ab')" >&2
        exit 2
    fi
    if [ "$(cat "$ci/baseline/MACHINE_CLASS" 2>/dev/null)" != "$(machine_class)" ]; then
        echo "nbench-gate: the baseline was measured on $(cat "$ci/baseline/MACHINE_CLASS" 2>/dev/null || echo 'an unknown machine'), this is $(machine_class): timings do not compare across machines; use 'ab'" >&2
        exit 2
    fi
    rm -rf "$ci/current" && mkdir -p "$ci"
    "$nbench" run "${plan[@]}" --store "$ci/current" --progress lines || [ $? -eq 3 ]
    # JUnit and the job summary first (its exit code is the gate's too), then annotations.
    # The machine class above stands in for compare's own host check: runners of one class
    # are different VMs with different hostnames.
    "$nbench" compare "$ci/baseline" "$ci/current" --latest --allow-cross-host "${gate[@]}" \
        --format junit --out "$ci/junit.xml" "${summary[@]}" || true
    "$nbench" compare "$ci/baseline" "$ci/current" --latest --allow-cross-host "${gate[@]}" \
        --format github
    ;;
ab)
    base=${NBENCH_BASE_WORKER:?set NBENCH_BASE_WORKER to the merge base\'s nbench-worker}
    cand=$(dirname "$nbench")/nbench-worker
    rm -rf "$ci/ab" && mkdir -p "$ci/ab"
    "$nbench" ab --baseline-worker "$base" --candidate-worker "$cand" "${plan[@]}" "${gate[@]}" \
        --store "$ci/ab" --format junit --out "$ci/junit.xml" "${summary[@]}"
    ;;
*)
    echo "usage: nbench-gate.sh machine-class|baseline|gate|ab" >&2
    exit 2
    ;;
esac
