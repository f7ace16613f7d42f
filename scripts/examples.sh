#!/usr/bin/env bash
# Runs the two examples' README commands (all but the clone) into a scratch store, so CI proves
# a user's path from clone to dashboard works: examples/rust-probe and examples/python-probe,
# then `nbench check` on each. Expects `cargo build --release` done and NBENCH_PYTHON (or
# results/venv) to be an interpreter with NumPy; installs ./worker/python into it.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${NBENCH_PYTHON:-$PWD/results/venv/bin/python}"
# The READMEs say `python3`; here that is the reference environment's interpreter.
export PATH="$(dirname "$py"):$PATH"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== examples/rust-probe"
CARGO_TARGET_DIR=target cargo build --release --manifest-path examples/rust-probe/Cargo.toml
target/release/nbench run --worker target/release/rust-probe --quick --store "$scratch/rust"
target/release/nbench plot "$scratch/rust" --out "$scratch/rust.html"
target/release/nbench check --worker target/release/rust-probe --quick

echo "== examples/python-probe"
python3 -m pip install --quiet --disable-pip-version-check ./worker/python
rm -rf worker/python/build worker/python/*.egg-info
worker="python3 -m nbench_py serve examples/python-probe/mybench.py"
target/release/nbench run --worker "$worker" --quick --store "$scratch/py"
target/release/nbench plot "$scratch/py" --out "$scratch/py.html"
target/release/nbench check --worker "$worker" --quick
test -s "$scratch/rust.html" && test -s "$scratch/py.html"
echo "examples ok"
