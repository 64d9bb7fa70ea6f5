#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time: scripts/run-fuzzer.sh BINARY CORPUS_DIR SECONDS.
# The checked-in corpus is only read; inputs the fuzzer finds go to a fresh temporary folder that
# is removed afterwards. Exits non-zero when the fuzzer finds a crash, leak, timeout or memory
# blow-up, and prints where the input that caused it was saved.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 BINARY CORPUS_DIR SECONDS" >&2
  exit 2
fi
binary=$1
corpus=$2
seconds=$3
if [[ ! -x $binary ]]; then
  echo "run-fuzzer: $binary is not an executable" >&2
  exit 2
fi
if [[ ! -d $corpus ]]; then
  echo "run-fuzzer: corpus folder $corpus does not exist" >&2
  exit 2
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -eq 0 ]]; then
  echo "run-fuzzer: SECONDS must be a positive integer, got '$seconds'" >&2
  exit 2
fi

name=$(basename "$binary")
work=$(mktemp -d "${TMPDIR:-/tmp}/movienight-$name-XXXXXX")
mkdir "$work/new-inputs" "$work/artifacts"
keep_artifacts=0
cleanup() {
  if [[ $keep_artifacts -eq 1 ]]; then
    rm -rf "$work/new-inputs"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# libFuzzer writes new inputs to the first corpus folder only, so the checked-in one stays as is.
status=0
"$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/new-inputs" "$corpus" >"$work/log" 2>&1 || status=$?

crashes=$(find "$work/artifacts" -type f | sort)
if [[ $status -ne 0 || -n $crashes ]]; then
  keep_artifacts=1
  tail -n 100 "$work/log" >&2
  cp "$work/log" "$work/artifacts/fuzzer.log"
  echo "run-fuzzer: $name failed (exit status $status)" >&2
  if [[ -n $crashes ]]; then
    echo "run-fuzzer: input(s) that caused it:" >&2
    # Replay one with: BINARY FILE.
    while IFS= read -r file; do echo "  $file" >&2; done <<<"$crashes"
  fi
  echo "run-fuzzer: full log: $work/artifacts/fuzzer.log" >&2
  exit 1
fi
grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/log" || true
echo "run-fuzzer: $name ran ${seconds}s over $corpus without findings ($(find "$work/new-inputs" -type f | wc -l) new inputs)"
