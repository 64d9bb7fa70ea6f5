#!/usr/bin/env bash
# Reproduces the ALS speed figure of docs/BENCHMARKS.md (issue 4): seconds per ALS iteration at
# factors 64 and 128 on the default 25M-row `synth` ratings as binary interactions, 2 threads,
# float32, conjugate gradient with 3 steps, regularization 0.05, alpha 1 (the configuration of
# ../shared/peers/scripts/als_scaling.py) — movienight's `als` against implicit 0.7.2 on exactly
# the same matrix (movienight exports its CSR; implicit loads it), in one run on one machine.
#
#   bench/als_vs_implicit.sh [DATA_DIR] [ITERATIONS] [RUNS] [FACTORS]
#
# DATA_DIR defaults to /tmp/movienight-synth-25m (written by `movienight synth` if absent),
# ITERATIONS to 5, RUNS to 2 (ours then implicit, alternated; the best run of each is compared, since
# the machines are shared), FACTORS to 64,128.
# Needs: the Release build (BUILD_DIR, default build; bench/als_bench and movienight), implicit
# 0.7.2 built in place as ../shared/peers/README.md says at $PEERS/implicit (default /tmp/peers),
# /usr/bin/python3 with numpy and scipy. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for both
# sides and OPENBLAS_NUM_THREADS=1 (implicit's own advice); movienight does not use BLAS here.
# Prints one line per side, run and factor count, then the ratio ours / implicit per factor count.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-/tmp/movienight-synth-25m}
iterations=${2:-5}
runs=${3:-2}
factors=${4:-64,128}
build=${BUILD_DIR:-build}
peers=${PEERS:-/tmp/peers}
threads=2
bench=$build/bench/als_bench
[[ -x $bench ]] || { echo "build $bench first (cmake --build $build --target als_bench)" >&2; exit 1; }
[[ -d $peers/implicit/implicit ]] || { echo "build implicit 0.7.2 in $peers/implicit first (../shared/peers/README.md)" >&2; exit 1; }
if [[ ! -f $data/ratings.csv ]]; then
  "$build/movienight" synth --out "$data" --seed 0
fi
csr=$(mktemp -d)
trap 'rm -rf "$csr"' EXIT
run_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=$threads)

echo "data: $data/ratings.csv; $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE: unset for both sides (were: ${OPENBLAS_CORETYPE:-unset}/${OPENBLAS_L2_SIZE:-unset})"
log=$(mktemp)
trap 'rm -rf "$csr" "$log"' EXIT
for ((r = 0; r < runs; r++)); do
  export_arg=()
  [[ $r == 0 ]] && export_arg=(--export-csr "$csr")
  "${run_env[@]}" "$bench" --speed "$data/ratings.csv" --factors "$factors" --iterations "$iterations" \
    --threads "$threads" "${export_arg[@]}" | tee -a "$log"
  "${run_env[@]}" PYTHONPATH="$peers/implicit" /usr/bin/python3 - "$csr" "$factors" "$iterations" "$threads" <<'EOF' | tee -a "$log"
import resource, sys
import numpy as np
import scipy.sparse as sp
import implicit
from implicit.als import AlternatingLeastSquares

folder, factor_list, iterations, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
shape = tuple(int(v) for v in np.load(folder + "/shape.npy"))
indices = np.load(folder + "/indices.npy")
indptr = np.load(folder + "/indptr.npy").astype(indices.dtype)
X = sp.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=shape)
for f in (int(v) for v in factor_list.split(",")):
    seconds = []
    model = AlternatingLeastSquares(factors=f, regularization=0.05, iterations=iterations, num_threads=threads,
                                    random_state=0)
    model.fit(X, show_progress=False, callback=lambda it, elapsed, loss: seconds.append(elapsed))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"implicit {implicit.__version__} als factors={f} threads={threads} solver=cg: "
          f"{np.mean(seconds):.3f} s/iteration (mean of {len(seconds)}: "
          f"{', '.join('%.3f' % s for s in seconds)}), peak RSS {rss:.2f} GB", flush=True)
EOF
done
echo
echo "best of $runs runs, seconds per iteration (run mean over $iterations iterations; fastest single iteration):"
awk '
  / als factors=/ {
    side = ($1 == "movienight") ? "ours" : "implicit"
    match($0, /factors=[0-9]+/); f = substr($0, RSTART + 8, RLENGTH - 8)
    match($0, /: [0-9.]+ s\/iteration/); s = substr($0, RSTART + 2, RLENGTH - 14) + 0
    match($0, /\(mean of [0-9]+: [0-9., ]+\)/); list = substr($0, RSTART, RLENGTH)
    sub(/^\(mean of [0-9]+: /, "", list); sub(/\)$/, "", list)
    n_it = split(list, its, ", ")
    key = side SUBSEP f
    if (!(key in best) || s < best[key]) best[key] = s
    for (i = 1; i <= n_it; i++) if (!(key in fastest) || its[i] + 0 < fastest[key]) fastest[key] = its[i] + 0
    if (!(f in seen)) { seen[f] = 1; order[++n] = f }
  }
  END {
    for (i = 1; i <= n; i++) {
      f = order[i]; o = best["ours", f]; p = best["implicit", f]; fo = fastest["ours", f]; fp = fastest["implicit", f]
      printf "factors %4d: movienight %.3f s, implicit %.3f s, ratio %.2fx (target <= 0.70x); fastest iteration %.3f s vs %.3f s, ratio %.2fx\n", f, o, p, o / p, fo, fp, fo / fp
    }
  }' "$log"
