#!/usr/bin/env bash
# The GPU check (docs/gpu.md): on a machine with one NVIDIA GPU, python3 (torch and numpy for
# the torch provider) and the release binaries built elsewhere (no Rust needed), runs every
# cuda backend, the torch provider on cuda and a mixed cpu+cuda run, then judges them with
# scripts/gpu-report.py. Writes into OUTDIR: gpu-check.log, libs.txt, gpus.json, gpus.stderr,
# torch.txt, catalogue.json, phases.tsv, store/<run>/<run_id>/ (rows, manifest, summary) and
# report.md. Exit: 0 every check passed, 1 a check failed, 2 the machine cannot run the check
# (no binaries, no CUDA libraries the worker can load, no python3).
#
#   scripts/gpu-check.sh OUTDIR
#
# Environment: NBENCH_BIN_DIR (default target/release), GPU_CHECK_BUDGET_S (seconds for all
# nbench runs, default 400), GPU_CHECK_POLICY (default "--warmup 0.05 --time-cap 0.3"),
# GPU_CHECK_CPU_SLOTS (default: a quarter of the CPUs, 2 to 4), NBENCH_PYTHON (default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

die() { echo "gpu-check: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: scripts/gpu-check.sh OUTDIR (an empty or new folder for the results)"
out=$1
mkdir -p "$out" || die "cannot create $out"
[ -z "$(ls -A "$out")" ] || die "$out is not empty; give a new folder so runs never mix"
out=$(cd "$out" && pwd)
bin=${NBENCH_BIN_DIR:-$repo/target/release}
budget=${GPU_CHECK_BUDGET_S:-400}
policy=${GPU_CHECK_POLICY:---warmup 0.05 --time-cap 0.3}
python=${NBENCH_PYTHON:-python3}
exec > >(tee -a "$out/gpu-check.log") 2>&1
start=$(date +%s)
echo "gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), repo $repo, binaries $bin"

for b in nbench nbench-worker; do
    [ -x "$bin/$b" ] || die "$bin/$b is missing: build with \`cargo build --release\` on the \
build machine and carry target/release/nbench and target/release/nbench-worker here (or set \
NBENCH_BIN_DIR)"
done
"$bin/nbench-worker" --version || die "$bin/nbench-worker does not run on this machine"
command -v python3 >/dev/null || die "python3 is needed for the report (scripts/gpu-report.py)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,persistence_mode --format=csv

# --- 1. the CUDA libraries, in seconds -------------------------------------------------------
# cudarc (built for CUDA 12.8, dynamic loading) asks for libX.so, libX.so.12 … libX.so.1, never
# libX.so.13. So: use what already loads; else search the usual places, preferring the CUDA 12
# soname, and link a newer one under the plain name libX.so in a private folder.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
orig_ld=${LD_LIBRARY_PATH:-}
if ! "$bin/nbench-worker" cuda-libs; then
    dirs=()
    for d in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda /usr/local/cuda-*; do
        [ -n "$d" ] && dirs+=("$d/lib64" "$d/lib" "$d/targets/x86_64-linux/lib")
    done
    while read -r sp; do
        for d in "$sp"/nvidia/*/lib; do dirs+=("$d"); done
    done < <("$python" -c 'import site; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
    while read -r f; do dirs+=("$(dirname "$f")"); done < <(ldconfig -p 2>/dev/null | grep -Eo '/[^ ]*lib(cuda|nvrtc|cublas)\.so[.0-9]*$')
    dirs+=(/usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib/wsl/lib)
    shim=$scratch/lib
    mkdir -p "$shim"
    add=()
    for lib in cuda nvrtc cublas; do
        pick=""
        for major in 12 1 13 14 15; do
            for d in "${dirs[@]}"; do
                f="$d/lib$lib.so.$major"
                if [ -e "$f" ]; then pick=$f; break 2; fi
            done
        done
        if [ -z "$pick" ]; then
            echo "gpu-check: no lib$lib.so.* in any searched folder"
            continue
        fi
        echo "gpu-check: lib$lib: picked $pick"
        add+=("$(dirname "$pick")")
        case "$pick" in
            *.so.12 | *.so.1) ;;
            *) ln -sf "$pick" "$shim/lib$lib.so"
               echo "gpu-check: lib$lib: linked as $shim/lib$lib.so (cudarc never asks for ${pick##*/})" ;;
        esac
    done
    joined=$(printf '%s:' "$shim" "${add[@]}")
    export LD_LIBRARY_PATH="${joined%:}${orig_ld:+:$orig_ld}"
    if ! "$bin/nbench-worker" cuda-libs; then
        echo "gpu-check: searched: ${dirs[*]}" >&2
        die "the worker cannot load every CUDA library it needs (lines above say which). \
libcuda comes with the NVIDIA driver: without it this machine has no usable GPU. For libnvrtc \
and libcublas install NVIDIA's wheels (pip install nvidia-cuda-nvrtc-cu12 nvidia-cublas-cu12) \
or point LD_LIBRARY_PATH at a CUDA toolkit's lib64"
    fi
    # The torch worker keeps the machine's own library path: torch loads its bundled libraries.
    printf '#!/bin/sh\nLD_LIBRARY_PATH="%s" exec %s "$@"\n' "$orig_ld" "$(command -v "$python")" > "$scratch/python"
    chmod +x "$scratch/python"
    python=$scratch/python
fi
"$bin/nbench-worker" cuda-libs > "$out/libs.txt"
echo "gpu-check: LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"

# --- 2. the device, torch and the catalogue ----------------------------------------------------
"$bin/nbench-worker" gpus > "$out/gpus.json" 2> "$out/gpus.stderr"
echo "gpu-check: devices: $(cat "$out/gpus.json") $(cat "$out/gpus.stderr")"
"$python" -c 'import torch, numpy; print(f"torch {torch.__version__} (built for cuda {torch.version.cuda}), numpy {numpy.__version__}, torch.cuda.is_available() = {torch.cuda.is_available()}")' > "$out/torch.txt" 2>&1 \
    || echo "the torch provider cannot run: $(tail -n 1 "$out/torch.txt")" > "$out/torch.txt"
echo "gpu-check: $(cat "$out/torch.txt")"
"$bin/nbench-worker" list > "$out/catalogue.json" || die "nbench-worker list failed"

# --- 3. the runs, within the budget -------------------------------------------------------------
cpus=$(nproc)
slots=${GPU_CHECK_CPU_SLOTS:-$(( cpus / 4 < 2 ? 2 : (cpus / 4 > 4 ? 4 : cpus / 4) ))}
plan=$(python3 scripts/gpu-report.py plan "$out/catalogue.json" "$slots") || die "no plan"
export NBENCH_WORKER="$bin/nbench-worker" NBENCH_PYTHON="$python"
export NBENCH_INSTANCE_CACHE="$scratch/instances"
: > "$out/phases.tsv"
if [ "$(tr -d '[:space:]' < "$out/gpus.json")" = "[]" ]; then
    echo "gpu-check: no device listed; skipping the runs (the report says what is missing)"
    plan=""
fi
set -f
while IFS=$'\t' read -r name args; do
    [ -n "$name" ] || continue
    left=$(( budget - ($(date +%s) - start) ))
    if [ "$left" -lt 20 ]; then
        echo "gpu-check: $name not run: ${left} s of the ${budget} s budget left"
        continue
    fi
    echo "gpu-check: run $name (at most ${left} s): nbench run $args $policy"
    t0=$(date +%s%N)
    # shellcheck disable=SC2086 # the plan's arguments and the policy are space-separated words
    timeout -s TERM -k 15 "$left" "$bin/nbench" run $args $policy --store "$out/store/$name"
    code=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    printf '%s\t%s\t%s\t%s\n' "$name" "$code" "$secs" "$args $policy" >> "$out/phases.tsv"
done <<< "$plan"
set +f

# --- 4. the verdict ---------------------------------------------------------------------------
python3 scripts/gpu-report.py report "$out"
code=$?
echo "gpu-check: finished in $(( $(date +%s) - start )) s, exit $code; report $out/report.md"
exit $code
