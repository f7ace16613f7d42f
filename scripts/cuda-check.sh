#!/usr/bin/env bash
# Compiles every CUDA kernel program with NVRTC, no GPU needed: a kernel that does not compile
# fails here. libnvrtc comes from the `nvidia-cuda-nvrtc-cu12` wheel in a venv under target/
# (never committed); cudarc's dynamic loading finds `libnvrtc.so.12` through LD_LIBRARY_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/cuda-check-venv
lib="$venv/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib"
if ! ls "$venv"/lib/python3*/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12 >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check nvidia-cuda-nvrtc-cu12
fi
lib=$(dirname "$(ls "$venv"/lib/python3*/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12 | head -n 1)")
cargo build --release --quiet -p nbench-worker --bin nbench-worker
LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${CARGO_TARGET_DIR:-target}/release/nbench-worker" cuda-check
