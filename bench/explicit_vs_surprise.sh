#!/usr/bin/env bash
# Side by side on one machine, in one run: movienight's explicit-rating models (bench/explicit_bench,
# 2 threads) against Surprise 1.1.4 (single-threaded, it has no thread option) on Surprise's own
# 80/20 split of ml-latest-small (../shared/peers/splits/ml-latest-small-holdout80): fit seconds,
# predict seconds for the 20,168 test ratings, RMSE, MAE, and the speed ratios. The configurations
# are those of ../shared/peers/scripts/explicit_surprise.py (PEERS.md section 2).
#
#   bench/explicit_vs_surprise.sh [RUNS] [--with-svdpp]
#
# RUNS (default 1): each side runs each configuration RUNS times, alternated; the best time counts
# (the machines are shared). SVD++ is left out unless asked (Surprise needs about a minute for it).
# Needs: BUILD_DIR (default build) with bench/explicit_bench; Surprise 1.1.4 built in place as
# ../shared/peers/README.md says at $PEERS/surprise (default /tmp/peers); /usr/bin/python3 with
# numpy and pandas. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for both (neither uses BLAS here).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
svdpp=0
[[ "${2:-}" == "--with-svdpp" || "${1:-}" == "--with-svdpp" ]] && svdpp=1
[[ "$runs" =~ ^[0-9]+$ ]] || runs=1
build=${BUILD_DIR:-build}
peers=${PEERS:-/tmp/peers}
shared=${MOVIENIGHT_SHARED:-$(cd .. && pwd)/shared}
bench=$build/bench/explicit_bench
[[ -x $bench ]] || { echo "build $bench first (cmake --build $build --target explicit_bench)" >&2; exit 1; }
[[ -d $peers/surprise/surprise ]] || { echo "build Surprise 1.1.4 in $peers/surprise first (../shared/peers/README.md)" >&2; exit 1; }
run_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1)
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); load $(cut -d' ' -f1-3 /proc/loadavg)"

ours=(baseline "svd:n_factors=80,n_epochs=25,lr_all=0.005,reg_all=0.02,seed=42"
      "svd:n_factors=50,n_epochs=30,lr_all=0.007,reg_all=0.05,seed=42"
      "knnbaseline:k=40,min_k=2,sim=pearson_baseline,user_based=false")
theirs=("BaselineOnly(verbose=False)" "SVD(n_factors=80,n_epochs=25,lr_all=0.005,reg_all=0.02,random_state=42)"
        "SVD(n_factors=50,n_epochs=30,lr_all=0.007,reg_all=0.05,random_state=42)"
        "KNNBaseline(k=40,min_k=2,sim_options={'name':'pearson_baseline','user_based':False},verbose=False)")
if [[ $svdpp == 1 ]]; then
  ours+=("svdpp:seed=42")
  theirs+=("SVDpp(random_state=42)")
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for ((c = 0; c < ${#ours[@]}; c++)); do
  for ((r = 0; r < runs; r++)); do
    "${run_env[@]}" "$bench" --no-cv --threads 2 --shared "$shared" --model "${ours[$c]}" | grep rmse |
      awk -v c=$c '{print "ours", c, $3, $5, $7, $10}' >> "$log"
    "${run_env[@]}" PYTHONPATH="$peers/surprise" /usr/bin/python3 - "$shared" "${theirs[$c]}" "$c" <<'EOF' >> "$log"
import sys, time
import pandas as pd
from surprise import SVD, SVDpp, KNNBaseline, BaselineOnly, Dataset, Reader, accuracy
from surprise.model_selection import train_test_split
shared, expr, c = sys.argv[1], sys.argv[2], sys.argv[3]
ratings = pd.read_csv(f"{shared}/datasets/ml-latest-small/ratings.csv")
data = Dataset.load_from_df(ratings[["userId", "movieId", "rating"]], Reader(rating_scale=(0.5, 5.0)))
trainset, testset = train_test_split(data, test_size=0.2, random_state=42)
algo = eval(expr)
t = time.perf_counter(); algo.fit(trainset); fit_s = time.perf_counter() - t
t = time.perf_counter(); preds = algo.test(testset); pred_s = time.perf_counter() - t
print("surprise", c, f"{accuracy.rmse(preds, verbose=False):.7f}", f"{accuracy.mae(preds, verbose=False):.7f}",
      f"{fit_s:.4f}", f"{pred_s:.4f}")
EOF
  done
done
python3 - "$log" "${ours[@]}" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.split()[:1] in (["ours"], ["surprise"]) and len(l.split()) == 6]
names = sys.argv[2:]
print(f"{'configuration':<66} {'side':<9} {'rmse':>9} {'mae':>9} {'fit s':>8} {'pred s':>8}")
for c, name in enumerate(names):
    best = {}
    for side, cc, rmse, mae, fit, pred in rows:
        if int(cc) != c: continue
        b = best.setdefault(side, [rmse, mae, float(fit), float(pred)])
        b[2], b[3] = min(b[2], float(fit)), min(b[3], float(pred))
    for side in ("ours", "surprise"):
        if side in best:
            r = best[side]
            print(f"{name:<66} {side:<9} {r[0]:>9} {r[1]:>9} {r[2]:>8.4f} {r[3]:>8.4f}")
    if len(best) == 2:
        o, s = best["ours"], best["surprise"]
        print(f"{'':<66} ratio     fit x{s[2] / o[2]:.1f}  predict x{s[3] / max(o[3], 1e-9):.1f}  "
              f"rmse {float(o[0]) - float(s[0]):+.4f}")
EOF
