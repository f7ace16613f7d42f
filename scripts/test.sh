#!/usr/bin/env bash
# The test command of the README. End-to-end tests drive the real binaries, so they are
# built first; everything runs optimised because the numeric kernels are 100x slower without.
set -euo pipefail
cd "$(dirname "$0")/.."
# The numpy provider tests need the pinned reference environment; it is built once and reused.
if [ -z "${NBENCH_PYTHON:-}" ]; then
  bash scripts/py-env.sh results/venv
  export NBENCH_PYTHON="$PWD/results/venv/bin/python"
fi
cargo build --release --workspace --bins
cargo test --release --workspace "$@"
