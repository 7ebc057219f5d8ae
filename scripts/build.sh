#!/usr/bin/env bash
# Configures and builds troupe into BUILD_DIR (default ./build); with a
# TARGET, only that target (e.g. `troupe`, the binary alone).
#   scripts/build.sh [BUILD_DIR] [TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
target=${2:-all}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" --target "$target" -j "$(nproc)"
