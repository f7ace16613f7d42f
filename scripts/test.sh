#!/usr/bin/env bash
# The test command of the README. End-to-end tests drive the real binaries, so they are
# built first; everything runs optimised because the numeric kernels are 100x slower without.
set -euo pipefail
cd "$(dirname "$0")/.."
# The provider tests need the pinned reference environment; it is built once and reused.
# Under CI (`CI` set) it also gets torch (a few minutes of download) and the torch test may not
# skip; elsewhere it is NumPy only unless NBENCH_PYTHON already names an interpreter.
if [ -z "${NBENCH_PYTHON:-}" ]; then
  if [ -n "${CI:-}" ]; then
    bash scripts/py-env.sh --with-torch results/venv
    export NBENCH_REQUIRE_TORCH=1
  else
    bash scripts/py-env.sh results/venv
  fi
  export NBENCH_PYTHON="$PWD/results/venv/bin/python"
fi
cargo build --release --workspace --bins
# Tests that skip (a missing optional tool outside CI) say so here, after the harness, which
# hides the output of passing tests.
skips="${CARGO_TARGET_DIR:-target}/release/skipped-tests.txt"
rm -f "$skips"
status=0
cargo test --release --workspace "$@" || status=$?
if [ -s "$skips" ]; then
  echo
  echo "== skipped tests (they passed without running; the fix is on each line)"
  sort -u "$skips"
fi
exit "$status"
