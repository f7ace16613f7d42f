#!/bin/bash
# Submits an nbench plan as a Slurm job array of shards plus a merge job that starts when every
# shard has succeeded (--dependency=afterok), and prints the job ids as shell assignments:
#   NBENCH_SHARD_JOB=<array job id>
#   NBENCH_MERGE_JOB=<merge job id>
#   NBENCH_MERGED_RUN=<directory the merged run will be>
# so `eval "$(bash submit.sh)"` keeps them. docs/scale-out.md explains the recipe.
#
# Environment (all optional; the jobs inherit it, so shard.sbatch and merge.sbatch see it):
#   NBENCH_SHARDS      number of shards = array tasks (default 4)
#   NBENCH             the nbench binary (default: nbench on PATH)
#   NBENCH_SCALE_DIR   shared results directory (default: $PWD/results/scale-out)
#   NBENCH_FILTERS     the plan's filters (default: --quick)
#   NBENCH_POLICY      measurement flags (default: none)
#   NBENCH_BASELINE, NBENCH_GATE   gate the merged run (see merge.sbatch)
#   NBENCH_EXCLUSIVE   1 (default): each shard gets a whole node (--exclusive), as benchmarks
#                      need; 0 lets shards share nodes, each bound to the cores Slurm
#                      allocated it (one per task unless NBENCH_SBATCH_ARGS asks for more)
#   NBENCH_SBATCH_ARGS extra sbatch flags for both jobs (e.g. "--partition bench --time 60")
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
shards=${NBENCH_SHARDS:-4}
if ! [ "$shards" -ge 1 ] 2>/dev/null; then
    echo "submit.sh: NBENCH_SHARDS must be a whole number ≥ 1, got '$shards'" >&2
    exit 2
fi
# The jobs run in the results directory (--chdir), so relative paths are made absolute here.
export NBENCH_SCALE_DIR=$(realpath -m "${NBENCH_SCALE_DIR:-$PWD/results/scale-out}")
case ${NBENCH:-} in
*/*) NBENCH=$(realpath -m "$NBENCH") && export NBENCH ;;
esac
mkdir -p "$NBENCH_SCALE_DIR"
read -r -a extra <<<"${NBENCH_SBATCH_ARGS:-}"
exclusive=(--exclusive)
[ "${NBENCH_EXCLUSIVE:-1}" = 1 ] || exclusive=()

array=$(sbatch --parsable --chdir "$NBENCH_SCALE_DIR" --array "0-$((shards - 1))" \
    "${exclusive[@]}" "${extra[@]}" "$here/shard.sbatch")
array=${array%%;*} # --parsable prints "id" or "id;cluster"
merge=$(sbatch --parsable --chdir "$NBENCH_SCALE_DIR" --dependency "afterok:$array" \
    --export "ALL,NBENCH_ARRAY_JOB=$array" "${extra[@]}" "$here/merge.sbatch")
merge=${merge%%;*}

echo "NBENCH_SHARD_JOB=$array"
echo "NBENCH_MERGE_JOB=$merge"
echo "NBENCH_MERGED_RUN=$NBENCH_SCALE_DIR/$array/merged"
