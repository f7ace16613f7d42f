#!/usr/bin/env bash
# The test command of the README. End-to-end tests drive the real binaries, so they are
# built first; everything runs optimised because the numeric kernels are 100x slower without.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --workspace --bins
cargo test --release --workspace "$@"
