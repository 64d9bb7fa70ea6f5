#!/usr/bin/env bash
# Builds movienight in Release mode and runs every test: the GoogleTest suite (which reads
# ../shared/datasets, or $MOVIENIGHT_SHARED) and the libFuzzer targets for
# $MOVIENIGHT_FUZZ_SECONDS (default 60) each. Installs the Debian packages it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
fuzz_args=()
if command -v clang++ >/dev/null 2>&1; then
  # libFuzzer needs clang; the fuzz targets get a tree of their own.
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMOVIENIGHT_FUZZ_ONLY=ON >/dev/null
  cmake --build build-fuzz -j "$jobs"
  fuzz_args=(-DMOVIENIGHT_FUZZ_DIR="$PWD/build-fuzz" -DMOVIENIGHT_FUZZ_SECONDS="${MOVIENIGHT_FUZZ_SECONDS:-60}")
else
  echo "test.sh: clang++ not found; the fuzz targets are not run" >&2
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${fuzz_args[@]}" >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
