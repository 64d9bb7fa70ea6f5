#!/usr/bin/env bash
# The main job: installs the Debian packages, builds movienight in Release mode and plans a movie
# night on ml-latest-small. Data comes from --data / $MOVIENIGHT_DATA / ./data / ../shared/datasets;
# when there is none, ml-latest-small is fetched from GroupLens into ./data (its licence forbids
# shipping it with the code). Extra arguments replace the example night, e.g.
#   scripts/night.sh --user 1 --user 2 --mood tense
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target movienight
build/movienight info --fetch-missing
if [[ $# -eq 0 ]]; then
  set -- --like "Toy Story" --like "1:Finding Nemo" --like "Heat" --like "2:Godfather, The" --names "Alice,Bob" --mood cozy
fi
build/movienight night "$@"
