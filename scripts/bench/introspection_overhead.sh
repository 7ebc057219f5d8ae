#!/bin/sh
# Introspection overhead: message rates of plain vs probed CAF actors
# (scripts/bench/introspection_overhead.cpp). Builds the benchmark in BUILD
# (default ./build) and runs it: N messages per run, RUNS runs, medians.
#   scripts/bench/introspection_overhead.sh [N] [RUNS]
set -eu
BUILD=${BUILD:-build}
ninja -C "$BUILD" bench_introspection >/dev/null
exec "$BUILD/bench_introspection" "${1:-200000}" "${2:-11}"
