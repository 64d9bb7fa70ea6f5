#!/usr/bin/env bash
# Installs the Debian packages movienight needs. Idempotent: when everything is present it only
# checks (a second run takes a second or two). Works as root, or via sudo as a normal user.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the reference tools the benchmarks compare against
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang libclang-rt-14-dev clang-format
  libeigen3-dev libopenblas0-pthread libopenblas-dev
  libfaiss-dev libxgboost-dev libtorch-dev
  libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev libutf8proc-dev
  libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libarchive-dev zlib1g-dev
  chromium  # the web page's browser test (tests/web), driven by puppeteer-core from npm
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3 python3-pandas python3-numpy time)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node and npm for the browser test: Debian's packages unless a node (e.g. NodeSource's, which
# bundles npm and conflicts with Debian's npm) is already there.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
