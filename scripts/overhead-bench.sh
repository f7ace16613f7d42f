#!/usr/bin/env bash
# Per-attempt overhead of nbench against bare spawns (issue 15, item 4): 1,000 no-op attempts
# (`calib.sleep ms=0`, warm-up 0, one sample, time cap 0, one slot) run by `nbench run`, against
# 1,000 bare fork/exec/wait cycles of the same worker given the same spec
# (scripts/bare-spawn.c), 3 repetitions each, alternating, under the exclusive benchmark lock.
# Prints one Markdown table and the median ratios: of the whole command (nbench's fixed start-up
# included) and of the dispatch alone (nbench's own "finished: N rows in X s").
#
# usage: bash scripts/overhead-bench.sh [ATTEMPTS]     (ATTEMPTS a multiple of 4, default 1000;
#        REPS=5 for five repetitions instead of three)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
LOCK=${NBENCH_BENCH_LOCK:-/tmp/nbench-bench.lock}
# NBENCH_BIN_DIR=DIR measures the nbench and nbench-worker kept in DIR (a build from before a
# change) instead of building this tree.
if [ -n "${NBENCH_BIN_DIR:-}" ]; then
  NB=$NBENCH_BIN_DIR/nbench
  WK=$NBENCH_BIN_DIR/nbench-worker
else
  flock -s "$LOCK" cargo build --release -q -p nbench -p nbench-worker --bins
  NB=$PWD/target/release/nbench
  WK=$PWD/target/release/nbench-worker
fi
tmp=$(mktemp -d /tmp/nbench-overhead.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Wall -o "$tmp/bare-spawn" scripts/bare-spawn.c
NOOP=(--family calib --match calib.sleep --param ms=0 --warmup 0 --min-samples 1 --max-samples 1
      --time-cap 0 --no-samples --cpu-slots 1 --progress quiet --no-lock)

# The spec nbench gives the worker, caught by a shim on the way in.
cat > "$tmp/shim.sh" <<SHIM
#!/bin/sh
if [ \$# -eq 0 ]; then tee "$tmp/spec.json" | exec "$WK"; else exec "$WK" "\$@"; fi
SHIM
chmod +x "$tmp/shim.sh"
"$NB" run --store "$tmp/spec-store" --worker "$tmp/shim.sh" "${NOOP[@]}" > /dev/null 2>&1

exec 9> "$LOCK"
flock -x 9
echo "machine: $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "    $NB run ${NOOP[*]} --repeat $((N / 4))"
echo "    $tmp/bare-spawn $WK spec.json $N"
echo
echo "| rep | nbench total (s) | nbench dispatch (s) | bare spawns (s) | total / bare | dispatch / bare |"
echo "|---|---|---|---|---|---|"
ratios=()
REPS=${REPS:-3}
for rep in $(seq 1 "$REPS"); do
  rm -rf "$tmp/store"
  t0=$(date +%s.%N)
  line=$("$NB" run --store "$tmp/store" --worker "$WK" "${NOOP[@]}" --repeat $((N / 4)) 2>/dev/null | grep ' finished: ')
  t1=$(date +%s.%N)
  disp=$(sed -E 's/.* rows in ([0-9.]+) (m?s).*/\1 \2/' <<< "$line" | awk '{print ($2=="ms") ? $1/1000 : $1}')
  bare=$("$tmp/bare-spawn" "$WK" "$tmp/spec.json" "$N")
  total=$(echo "$t1 - $t0" | bc -l)
  r1=$(echo "$total / $bare" | bc -l); r2=$(echo "$disp / $bare" | bc -l)
  printf '| %d | %.3f | %.3f | %.3f | %.2f | %.2f |\n' "$rep" "$total" "$disp" "$bare" "$r1" "$r2"
  ratios+=("$r1 $r2")
done
mid=$(( (REPS + 1) / 2 ))
printf '%s\n' "${ratios[@]}" | sort -n -k1 | sed -n "${mid}p" | awk '{printf "\nmedian total/bare %.2f; ", $1}'
printf '%s\n' "${ratios[@]}" | sort -n -k2 | sed -n "${mid}p" | awk '{printf "median dispatch/bare %.2f\n", $2}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
