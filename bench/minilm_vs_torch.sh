#!/usr/bin/env bash
# Reproduces the MiniLM speed figure of issue 5: encoding the 9,742 movie texts of ml-latest-small
# (title. genres. tags.) with the all-MiniLM-L6-v2 shapes (random weights: the values do not change
# the time) on 2 threads, movienight beside the PyTorch reference of
# ../shared/peers/scripts/minilm_reference.py (PEERS.md §5: batches of 32 in file order, tokenizer
# included, model construction excluded), on the same texts file, in one run.
#   bench/minilm_vs_torch.sh [BUILD_DIR] [RUNS]     (RUNS defaults to 2; one PyTorch run takes 1-3 minutes)
# Needs: BUILD_DIR/movienight and BUILD_DIR/bench/minilm_bench (Release), and /usr/bin/python3 with
# Debian's python3-torch (apt-get install -y python3-torch). Reads ../shared or $MOVIENIGHT_SHARED.
# Prints texts/s of both, the ratio, and movienight's GFLOP/s against this CPU's peak.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-2}
shared=${MOVIENIGHT_SHARED:-../shared}
bench=$build/bench/minilm_bench
bin=$build/movienight
python=/usr/bin/python3
[[ -x $bench && -x $bin ]] || { echo "build movienight and bench/minilm_bench first (in $build)" >&2; exit 1; }
$python -c "import torch" 2>/dev/null || { echo "needs python3-torch: apt-get install -y python3-torch" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bench" --write-model "$work/model" --write-texts "$work/texts.txt"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cpu MHz $(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "texts: $(wc -l < "$work/texts.txt") lines; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset} (unset for the PyTorch run, as PEERS.md measured it; movienight does not use OpenBLAS)"

# The machine is shared: the two alternate RUNS times and each keeps its best run.
# PyTorch: torch.set_num_threads(2) and 2 OpenBLAS threads; only its texts-file row is the figure
# (--batches 2 --tok-repeat 1 keep its other, unrelated rows short).
# movienight in-process: tokenizer + encode, model loading excluded, as in the reference.
ref_json="" ours_json=""
for ((i = 0; i < runs; i++)); do
  r=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 \
    $python "$shared/peers/scripts/minilm_reference.py" bench --vocab "$shared/models/all-MiniLM-L6-v2/vocab.txt" \
    --texts-file "$work/texts.txt" --threads 2 --batch-size 32 --batches 2 --tok-repeat 1 | grep texts_file_encode)
  o=$("$bench" --catalog --model "$work/model" --threads 2 --repeat 1)
  echo "run $((i + 1)): PyTorch $(echo "$r" | grep -o '"seconds": [0-9.]*'), movienight $(echo "$o" | grep -o '"seconds": [0-9.]*')"
  ref_json=$($python -c 'import json,sys; a,b=sys.argv[1:]; print(a if not b or json.loads(a)["texts_file_encode"]["seconds"] < json.loads(b)["texts_file_encode"]["seconds"] else b)' "$r" "$ref_json")
  ours_json=$($python -c 'import json,sys; a,b=sys.argv[1:]; print(a if not b or json.loads(a)["seconds"] < json.loads(b)["seconds"] else b)' "$o" "$ours_json")
done
torch_version=$($python -c "import torch; print(torch.__version__)")

# movienight end to end: process start, model load, tokenizer, encoder, JSON lines out.
start=$(date +%s.%N)
"$bin" -q embed --encoder minilm --model "$work/model" --threads 2 < "$work/texts.txt" > "$work/out.jsonl"
end=$(date +%s.%N)
lines=$(wc -l < "$work/out.jsonl")

$python - "$ref_json" "$ours_json" "$start" "$end" "$lines" "$torch_version" <<'EOF'
import json, sys
ref = json.loads(sys.argv[1])["texts_file_encode"]
ours = json.loads(sys.argv[2])
cli_seconds = float(sys.argv[4]) - float(sys.argv[3])
lines = int(sys.argv[5])
print(f"PyTorch {sys.argv[6]} reference (fused path, batches of 32, file order), best run: "
      f"{ref['seconds']:.1f} s, {ref['texts_per_second']:.1f} texts/s (PEERS.md §5 recorded 68.1 s, 143 texts/s)")
print(f"movienight (length-sorted batches of {ours['batch']}, {ours['kernels']} kernels): "
      f"best run {ours['seconds']:.2f} s, {ours['texts_per_second']:.1f} texts/s "
      f"({ours['tokens']} tokens, mean {ours['mean_tokens']})")
print(f"movienight embed, whole command (start, load, tokenize, encode, print {lines} lines): "
      f"{cli_seconds:.2f} s, {lines / cli_seconds:.1f} texts/s")
print(f"speed-up: {ours['texts_per_second'] / ref['texts_per_second']:.1f}x in-process, "
      f"{ref['seconds'] / cli_seconds:.1f}x for the whole command; "
      f"{ours['texts_per_second'] / 143:.1f}x against the recorded 143 texts/s")
print(f"movienight arithmetic: {ours['gflop']:.0f} GFLOP in {ours['seconds']:.2f} s = {ours['gflop_per_second']:.0f} GFLOP/s "
      f"on {ours['threads']} threads; nominal peak {ours['peak_gflop_per_second']:.0f} GFLOP/s "
      f"({ours['cpu_mhz']:.0f} MHz x {ours['threads']} cores x 2 FMA units x 16 floats x 2 flops) -> "
      f"{100 * ours['share_of_peak']:.0f}%; measured FMA peak (turbo, one core x {ours['threads']}) "
      f"{ours['measured_fma_peak_gflop_per_second']:.0f} GFLOP/s -> {100 * ours['share_of_measured_peak']:.0f}%")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
