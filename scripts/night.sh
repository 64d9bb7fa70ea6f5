#!/usr/bin/env bash
# The main job: installs the Debian packages, builds movienight in Release mode and runs it on
# ml-latest-small. Data comes from --data / $MOVIENIGHT_DATA / ./data / ../shared/datasets; when
# there is none, ml-latest-small is fetched from GroupLens into ./data (its licence forbids
# shipping it with the code). Extra arguments go to the command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target movienight
build/movienight info --fetch-missing "$@"
