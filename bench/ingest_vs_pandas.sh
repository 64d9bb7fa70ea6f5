#!/usr/bin/env bash
# Reproduces the ingest figure of docs/BENCHMARKS.md: reading the default `synth` ratings.csv
# (the ML-25M shape, 25,000,095 rows) into movienight's CSR + CSC, against pandas.read_csv of the
# same file, in one run on one machine; plus peak memory against the final in-memory size.
#   bench/ingest_vs_pandas.sh [DATA_DIR] [RUNS]
# Needs: build/movienight (Release), /usr/bin/python3 with pandas (scripts/install-deps.sh --bench),
# GNU time. DATA_DIR defaults to /tmp/movienight-synth-25m (written by `movienight synth` if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-/tmp/movienight-synth-25m}
runs=${2:-3}
bin=build/movienight
[[ -x $bin ]] || { echo "build movienight first (scripts/test.sh or cmake --build build)" >&2; exit 1; }
if [[ ! -f $data/ratings.csv ]]; then
  "$bin" synth --out "$data" --seed 0
fi
echo "file: $data/ratings.csv ($(stat -c %s "$data/ratings.csv") bytes), $(nproc) cores"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} (not used by this benchmark)"
cat "$data/ratings.csv" > /dev/null  # warm the page cache for both readers

# Wall seconds and peak RSS (KB) of one command, as "SECONDS KB".
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }

best() { sort -n | head -1; }
pandas_runs=(); ours_runs=(); ingest_runs=(); pandas_rss=0; ours_rss=0
for ((i = 0; i < runs; i++)); do
  read -r s kb < <(measure /usr/bin/python3 -c "import pandas as pd; pd.read_csv('$data/ratings.csv')")
  pandas_runs+=("$s"); pandas_rss=$kb
  read -r s kb < <(measure "$bin" -q info --data "$data")
  ours_runs+=("$s"); ours_rss=$kb
  read -r s kb < <(measure "$bin" -q ingest --data "$data" --out "$data/snapshot.bin")
  ingest_runs+=("$s")
done
p=$(printf '%s\n' "${pandas_runs[@]}" | best)
o=$(printf '%s\n' "${ours_runs[@]}" | best)
g=$(printf '%s\n' "${ingest_runs[@]}" | best)
final=$("$bin" -q info --data "$data" --json | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['memory_bytes'])")
python_start=$(measure /usr/bin/python3 -c "import pandas" | cut -d' ' -f1)
echo "pandas.read_csv (incl. ${python_start} s interpreter + import): best of $runs ${p} s, peak RSS $((pandas_rss / 1024)) MB"
echo "movienight info (parse + CSR + CSC):        best of $runs ${o} s, peak RSS $((ours_rss / 1024)) MB"
echo "movienight ingest (+ snapshot write, fsync): best of $runs ${g} s"
awk -v p="$p" -v o="$o" -v g="$g" -v ps="$python_start" -v rss="$ours_rss" -v fin="$final" 'BEGIN {
  printf "speed-up, load to CSR:       %.1fx (pandas minus interpreter start: %.1fx)\n", p / o, (p - ps) / o;
  printf "speed-up, ingest + snapshot: %.1fx\n", p / g;
  printf "peak RSS / final interactions size: %.2f (%d MB / %d MB)\n", rss * 1024 / fin, rss / 1024, fin / 1048576 }'
