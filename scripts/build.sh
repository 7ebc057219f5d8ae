#!/usr/bin/env bash
# Configures and builds troupe into BUILD_DIR (default ./build); with a
# TARGET, only that target (e.g. `troupe`, the binary alone). Uses ccache
# when it is installed (paths relative to this checkout, so clones share it).
#   scripts/build.sh [BUILD_DIR] [TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
target=${2:-all}
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build_dir" --target "$target" -j "$(nproc)"
