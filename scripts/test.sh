#!/usr/bin/env bash
# Runs the whole test suite from a clean build directory: installs what is
# missing, builds everything, runs every test with ctest (its summary is the
# last lines). Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TROUPE_TEST_BUILD_DIR:-build-test}
scripts/install-deps.sh
rm -rf "$build_dir"
scripts/build.sh "$build_dir"
cd "$build_dir"
ctest --output-on-failure -j 2 --timeout 900
