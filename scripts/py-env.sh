#!/usr/bin/env bash
# Builds the reference Python environment for the `numpy` and `torch` providers (docs/providers.md):
# a venv with pinned NumPy, SciPy and xxhash (the Python SDK's problem digest) and, with
# --with-torch, a CPU build of torch.
#
# usage: scripts/py-env.sh [--with-torch] [VENV_DIR]     (default VENV_DIR: results/venv)
# Then point nbench at it: export NBENCH_PYTHON="$VENV_DIR/bin/python".
# It reuses an existing venv whose pins already match, so CI pays for the install once.
set -euo pipefail
cd "$(dirname "$0")/.."

NUMPY_PIN="numpy==2.1.3"
SCIPY_PIN="scipy==1.14.1"
TORCH_PIN="torch==2.5.1"
XXHASH_PIN="xxhash==3.5.0"

with_torch=0
venv="results/venv"
for arg in "$@"; do
  case "$arg" in
    --with-torch) with_torch=1 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    -*) echo "py-env.sh: unknown option $arg; valid options: --with-torch" >&2; exit 2 ;;
    *) venv="$arg" ;;
  esac
done

python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
py="$venv/bin/python"
want="$NUMPY_PIN $SCIPY_PIN $XXHASH_PIN"
if [ "$with_torch" = 1 ]; then want="$want $TORCH_PIN"; fi
# The stamp records what was installed, so an unchanged environment costs no network.
stamp="$venv/.nbench-pins"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$py" -m pip install --quiet --disable-pip-version-check $want
  echo "$want" > "$stamp"
fi
"$py" -c 'import numpy, scipy; print("numpy", numpy.__version__, "scipy", scipy.__version__)'
echo "NBENCH_PYTHON=$(cd "$venv" && pwd)/bin/python"
