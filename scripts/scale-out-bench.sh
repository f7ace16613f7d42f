#!/usr/bin/env bash
# Measures the Slurm recipe of docs/scale-out.md on a real single-node cluster
# (scripts/slurm-local.sh): one plan's wall time unsharded on one slot, then as NBENCH_SHARDS
# array tasks sharing the node (hash shards, then slice shards balanced by the unsharded run's
# wall times, --balance-from), each from `sbatch` to the end of the afterok merge job, with each
# shard's own wall time and the imbalance between shards. Prints a Markdown section for
# reports/scale-out.md. Timing work: it holds the benchmark lock exclusively.
#
# usage: scripts/scale-out-bench.sh            (PLAN, default "--quick"; NBENCH_SHARDS, default 2)
# Needs root, slurm-wlm and munge, and release binaries (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
plan=${PLAN:---quick}
shards=${NBENCH_SHARDS:-2}
nbench=$repo/target/release/nbench
[ -x "$nbench" ] || { echo "scale-out-bench.sh: build first: cargo build --release" >&2; exit 2; }

exec 9>"${NBENCH_BENCH_LOCK:-/tmp/nbench-bench.lock}"
flock -x 9

work=$(mktemp -d)
chmod 0711 "$work" # munged, running as the munge user, must reach its directory below
cleanup() { bash scripts/slurm-local.sh stop "$work/slurm" || true; rm -rf "$work"; }
trap cleanup EXIT
started=$(bash scripts/slurm-local.sh start "$work/slurm")
eval "$started"
read -r -a filters <<<"$plan"

now() { date +%s.%N; }
# Wall seconds of a run from its manifest.
run_wall() {
  python3 - "$1/manifest.json" <<'EOF'
import json, sys
from datetime import datetime
m = json.load(open(sys.argv[1]))
t = lambda k: datetime.fromisoformat(m[k].replace("Z", "+00:00"))
print(f"{(t('finished_at') - t('started_at')).total_seconds():.1f}")
EOF
}

# One submission through the documented submit.sh; prints "total shard1 shard2 …" seconds.
through_slurm() {
  local policy=$1 t0 out array merge jobs
  t0=$(now)
  out=$(NBENCH="$nbench" NBENCH_SHARDS=$shards NBENCH_SCALE_DIR="$work/scale" \
    NBENCH_FILTERS="$plan" NBENCH_POLICY="$policy" NBENCH_EXCLUSIVE=0 \
    bash examples/scale-out/slurm/submit.sh)
  array=$(sed -n 's/^NBENCH_SHARD_JOB=//p' <<<"$out")
  merge=$(sed -n 's/^NBENCH_MERGE_JOB=//p' <<<"$out")
  jobs="$array,$merge"
  while [ -n "$(squeue -h -j "$jobs" 2>/dev/null)" ]; do sleep 0.5; done
  local total
  total=$(python3 -c "print(f'{$(now) - $t0:.1f}')")
  local status
  status=$(python3 -c "import json;print(json.load(open('$work/scale/$array/merged/manifest.json'))['status'])")
  [ "$status" = complete ] || { echo "merged run of $array is $status" >&2; exit 1; }
  local walls=()
  for d in "$work/scale/$array"/shards/*/; do walls+=("$(run_wall "$d")"); done
  echo "$total ${walls[*]}"
}

echo "scale-out-bench: unsharded (PLAN=$plan) …" >&2
t0=$(now)
"$nbench" run "${filters[@]}" --store "$work/single" --progress quiet --no-lock >/dev/null
single_total=$(python3 -c "print(f'{$(now) - $t0:.1f}')")
single_run=$(ls -d "$work/single"/*/ | head -n 1)
attempts=$(wc -l <"$single_run/rows.jsonl")

echo "scale-out-bench: $shards hash shards through Slurm …" >&2
out=$(through_slurm "")
read -r -a hash <<<"$out"
echo "scale-out-bench: $shards shards balanced by the unsharded run …" >&2
out=$(through_slurm "--balance-from ${single_run%/}")
read -r -a bal <<<"$out"

imbalance() {
  python3 - "$@" <<'EOF'
import sys
w = [float(x) for x in sys.argv[1:]]
print(f"{max(w) - min(w):.1f} s ({(max(w) - min(w)) / max(w) * 100:.0f} % of the longest)")
EOF
}
speed() { python3 -c "print(f'{$single_total / $1:.2f}')"; }

cat <<EOF
### $(date -u +%Y-%m-%d) — \`PLAN="$plan" NBENCH_SHARDS=$shards bash scripts/scale-out-bench.sh\`

Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Slurm $(sinfo -V | cut -d' ' -f2) on localhost; $attempts attempts.

| how | wall (s) | speedup | shard walls (s) | imbalance |
|---|---|---|---|---|
| unsharded, one slot | $single_total | 1.00 | — | — |
| $shards hash shards via sbatch + afterok merge | ${hash[0]} | $(speed "${hash[0]}") | ${hash[*]:1} | $(imbalance "${hash[@]:1}") |
| $shards slice shards, \`--balance-from\` the unsharded run | ${bal[0]} | $(speed "${bal[0]}") | ${bal[*]:1} | $(imbalance "${bal[@]:1}") |

Sharded walls run from the first \`sbatch\` to the end of the merge job (scheduling and the merge
included); a shard's wall is its manifest's started–finished.
EOF
