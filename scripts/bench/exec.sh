#!/usr/bin/env bash
# `troupe exec` on a standalone node (process driver), one `sleep` task:
# - latency: K runs (default 30) of `troupe exec TASK -- true`, p50/p99,
#   beside the same count of one-request commands (`troupe version`, the
#   CLI's start and one API round trip) and of a local `sh -c true`;
# - throughput: SIZE MiB (10, 100, 400) of `head -c` written by the command
#   and counted by `wc -c` on the client, beside the same pipe locally: the
#   MiB/s must stay flat as the size grows.
#   scripts/bench/exec.sh [K]
# Environment: as lib.sh (TROUPE_BUILD/TROUPE_BIN select the build).
set -u
K=${1:-30}
MAX_SECS=${MAX_SECS:-120}  # bounds the deploy wait (lib.sh)
. "$(dirname "$0")/lib.sh"

bench_init exec
trap 'rc=$?; kill_bench_tasks; (exit $rc); bench_cleanup' EXIT

read -r api <<<"$(free_ports 1)"
host=127.0.0.1:$api

# percentiles NAME < ms values: "NAME: n=K p50=..ms p99=..ms"
percentiles() {
  sort -n | awk -v name="$1" '{ v[NR] = $1 } END {
    p50 = v[int((NR + 1) * 0.5)]; i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
    printf "%s: n=%d p50=%dms p99=%dms\n", name, NR, p50, v[i] }'
}

# timed_runs CMD...: wall ms of K runs of CMD, one per line.
timed_runs() {
  local i t0
  for ((i = 0; i < K; i++)); do
    t0=$(now_ms)
    "$@" >/dev/null 2>&1
    echo $(( $(now_ms) - t0 ))
  done
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
start_standalone "$WORK/node" "$host" "$WORK/logs/node.log"
deploy_sleep_wait 1 "$host" ""

out=$(tr_cli --host "$host" exec scale_sleep.1 -- sh -c 'echo $TROUPE_TASK_ID')
[ -n "$out" ] || die "troupe exec does not answer"
timed_runs "$TROUPE" --host "$host" exec scale_sleep.1 -- true | percentiles "exec true"
timed_runs "$TROUPE" --host "$host" version | percentiles "one request (troupe version)"
timed_runs sh -c true | percentiles "local sh -c true"

for mib in 10 100 400; do
  t0=$(now_ms)
  got=$("$TROUPE" --host "$host" exec scale_sleep.1 -- head -c "${mib}M" /dev/zero | wc -c)
  t1=$(now_ms)
  t2=$(now_ms)
  head -c "${mib}M" /dev/zero | wc -c >/dev/null
  t3=$(now_ms)
  [ "$got" -eq $((mib << 20)) ] || die "exec delivered $got of $((mib << 20)) bytes"
  ms=$(( t1 - t0 > 0 ? t1 - t0 : 1 )); local_ms=$(( t3 - t2 > 0 ? t3 - t2 : 1 ))
  echo "output ${mib} MiB: exec ${ms}ms = $(( mib * 1000 / ms )) MiB/s; local pipe ${local_ms}ms = $(( mib * 1000 / local_ms )) MiB/s (load $(cut -d' ' -f1 /proc/loadavg))"
done
