#!/usr/bin/env bash
# ctest's entry for the browser test: installs puppeteer-core from the lockfile into WORK_DIR (a
# build folder, never the source tree) and runs page_test.mjs there. Exits 77, which ctest reports
# as skipped, when node, npm or chromium is missing; scripts/install-deps.sh installs all three.
#   run_page_test.sh WORK_DIR      (MOVIENIGHT_BINARY and MOVIENIGHT_DATASETS come from ctest)
set -euo pipefail
src_dir=$(cd "$(dirname "$0")" && pwd)
work_dir=${1:?usage: run_page_test.sh WORK_DIR}
skip() {
  echo "SKIP: $*"
  exit 77
}

command -v node >/dev/null || skip "node is not installed (scripts/install-deps.sh installs it)"
command -v npm >/dev/null || skip "npm is not installed (scripts/install-deps.sh installs it)"
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium" ]] || skip "chromium is not installed at $chromium (scripts/install-deps.sh installs it)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 18)) || skip "node $(node --version) is too old for puppeteer-core 24 (needs 18 or later)"

mkdir -p "$work_dir"
cp "$src_dir/package.json" "$src_dir/package-lock.json" "$src_dir/page_test.mjs" "$work_dir/"
# npm ci only when the lockfile changed since the last install (it empties node_modules first).
stamp="$work_dir/node_modules/.movienight-package-lock.json"
if ! cmp -s "$src_dir/package-lock.json" "$stamp"; then
  echo "npm ci (puppeteer-core, from package-lock.json)"
  (cd "$work_dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) ||
    { echo "FAILED: npm ci could not install puppeteer-core (is the npm registry or cache reachable?)"; exit 1; }
  cp "$src_dir/package-lock.json" "$stamp"
fi
cd "$work_dir"
exec node page_test.mjs
