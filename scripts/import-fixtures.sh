#!/usr/bin/env bash
# Regenerates the real tool outputs that `nbench import`'s tests read
# (tests/tests/import.rs): each file here is written by the tool itself, never by hand.
#
#   bash scripts/import-fixtures.sh [--cheap] [OUT_DIR]
#
# OUT_DIR defaults to tests/fixtures/import. --cheap makes only hyperfine's and
# pytest-benchmark's files (seconds; CI does this into a scratch directory and points
# NBENCH_IMPORT_FRESH at it). Without it, Google Benchmark (g++ and Debian's
# libbenchmark-dev) and Criterion.rs (a tiny crate, tests/fixtures/import/criterion-crate,
# built with cargo) are regenerated too.
#
# Needs: hyperfine (Debian: apt-get install hyperfine), python3 with venv (pytest and
# pytest-benchmark are installed into OUT_DIR/../import-venv or $NBENCH_IMPORT_VENV unless
# $NBENCH_IMPORT_PYTHON names an interpreter that has them), and for the full set g++,
# libbenchmark-dev and cargo. Runs are kept short: these files test parsing, not speed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cheap=0
if [ "${1:-}" = "--cheap" ]; then
  cheap=1
  shift
fi
out="${1:-$root/tests/fixtures/import}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
src="$root/tests/fixtures/import"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

need() {
  command -v "$1" >/dev/null || { echo "import-fixtures: $1 is not installed ($2)" >&2; exit 2; }
}

echo "== hyperfine"
need hyperfine "apt-get install hyperfine"
hyperfine --version
# Two commands compared, and a parameter scan; -N runs without a shell, so times are the
# commands' own. Few runs: the file's shape is what is tested.
hyperfine -N --warmup 1 --runs 5 --export-json "$out/hyperfine.json" \
  'sleep 0.002' 'sleep 0.004' >/dev/null
hyperfine -N --runs 4 --export-json "$out/hyperfine-scan.json" \
  --parameter-scan ms 1 3 --parameter-step-size 2 'sleep 0.00{ms}' >/dev/null
# A failing command kept with -i: its non-zero exit codes are in the file.
hyperfine -N --runs 3 -i --export-json "$out/hyperfine-failing.json" 'false' >/dev/null 2>&1

echo "== pytest-benchmark"
py="${NBENCH_IMPORT_PYTHON:-}"
if [ -z "$py" ]; then
  venv="${NBENCH_IMPORT_VENV:-$root/results/import-venv}"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pytest_benchmark' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pytest pytest-benchmark
  fi
  py="$venv/bin/python"
fi
"$py" -m pytest --version
cp "$src/pytest/test_sort.py" "$tmp/"
# Rounds of at least 0.5 ms for at most 10 ms keep the files small. --benchmark-json keeps
# every round's time (`stats.data`); a saved run without --benchmark-save-data keeps the
# statistics only, which is the other shape the reader handles.
bargs=(--benchmark-min-rounds=5 --benchmark-min-time=0.0005 --benchmark-max-time=0.01)
(cd "$tmp" && "$py" -m pytest -q -p no:cacheprovider test_sort.py "${bargs[@]}" \
  --benchmark-json="$out/pytest-benchmark-data.json" \
  --benchmark-save=stats --benchmark-storage="file://$tmp/store" >/dev/null)
cp "$(find "$tmp/store" -name '*_stats.json' | head -n 1)" "$out/pytest-benchmark.json"

if [ "$cheap" = 1 ]; then
  echo "import-fixtures: cheap set written to $out"
  exit 0
fi

echo "== google benchmark"
need g++ "apt-get install g++"
[ -f /usr/include/benchmark/benchmark.h ] || { echo "import-fixtures: libbenchmark-dev is not installed (apt-get install libbenchmark-dev)" >&2; exit 2; }
g++ -O2 -o "$tmp/gbench" "$src/gbench/bench.cc" -lbenchmark -lpthread
"$tmp/gbench" --benchmark_min_time=0.01 --benchmark_format=json >"$out/google-benchmark.json" 2>/dev/null
"$tmp/gbench" --benchmark_min_time=0.01 --benchmark_filter=BM_copy \
  --benchmark_report_aggregates_only=true --benchmark_out_format=json \
  --benchmark_out="$out/google-benchmark-aggregates.json" >/dev/null 2>&1

echo "== criterion"
need cargo "the Rust toolchain"
crate="$src/criterion-crate"
target="${NBENCH_IMPORT_CRITERION_TARGET:-$tmp/criterion-target}"
CARGO_TARGET_DIR="$target" cargo bench --quiet --manifest-path "$crate/Cargo.toml" >/dev/null
rm -rf "$out/criterion"
mkdir -p "$out/criterion"
# Only the JSON Criterion writes per benchmark (no HTML report, no `base` copy).
(cd "$target/criterion" && find . -path '*/new/*.json' | while read -r f; do
  mkdir -p "$out/criterion/$(dirname "$f")"
  cp "$f" "$out/criterion/$f"
done)
echo "import-fixtures: full set written to $out"
