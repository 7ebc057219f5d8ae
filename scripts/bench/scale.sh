#!/usr/bin/env bash
# Many tasks on one node: a standalone node, process driver, one service of
# `sleep` tasks.
#   scripts/bench/scale.sh [N...]            (default: 1000 5000 10000)
# For each N, on a fresh node: `stack deploy -d` of N replicas, then the time
# until `service ls` shows N/N running (polled every 0.5s); then, with the
# tasks running and idle: `service ls` p99 (30 calls of the CLI, each a new
# process and connection), `service ps` of the service, the ack of a
# `service scale -d` (to N, through the CLI) — and the same three straight
# on the API with api_load (100 / 5 / 20 requests on one connection, so the
# CLI's own start is not counted) —, the node's CPU use over 10s
# idle (% of one core), its RSS per task (manager + agent are one process;
# the tasks' own processes and shims aside), and the time SIGTERM takes to
# stop the node with all its tasks (--stop-tasks). Before each deploy it measures the machine's
# floor side by side: N posix_spawns of the same `sleep` straight from one
# process (python3's os.posix_spawn, glibc's vfork-like spawn, no files,
# no troupe), until the last one has exec'd, then kills them. Prints one
# line per figure; MAX_SECS (default 300) bounds the wait for each deploy.
# Environment: as lib.sh (TROUPE_BUILD/TROUPE_BIN select the build).
set -u
SIZES=${*:-1000 5000 10000}
MAX_SECS=${MAX_SECS:-300}
. "$(dirname "$0")/lib.sh"

bench_init scale

trap 'rc=$?; kill_bench_tasks; (exit $rc); bench_cleanup' EXIT

# spawn_floor N: seconds to posix_spawn N `sleep 100000` (then killed).
spawn_floor() {
  TROUPE_BENCH=$WORK python3 - "$1" <<'EOF'
import os, signal, sys, time
n = int(sys.argv[1])
t0 = time.monotonic()
pids = [os.posix_spawnp("sleep", ["sleep", "100000"], os.environ) for _ in range(n)]
secs = time.monotonic() - t0
for p in pids:
    os.kill(p, signal.SIGKILL)
for p in pids:
    os.waitpid(p, 0)
print(f"{secs:.1f}s = {secs * 1000 / n:.2f} ms per process")
EOF
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $SIZES; do
  echo "N=$n: floor: $n posix_spawns of sleep from one process (no troupe): $(spawn_floor "$n") (load $(cut -d' ' -f1 /proc/loadavg))"
  read -r api <<<"$(free_ports 1)"
  host=127.0.0.1:$api
  rm -rf "$WORK/node"
  start_standalone "$WORK/node" "$host" "$WORK/logs/node-$n.log" --stop-tasks
  deploy_sleep_wait "$n" "$host" ""
  sleep 2 # let the last status reports settle
  : >"$WORK/ls.ms"
  for i in $(seq 30); do
    a=$(now_ms); tr_cli service ls --host "$host" >/dev/null 2>&1; b=$(now_ms)
    echo $((b - a)) >>"$WORK/ls.ms"
  done
  stats "N=$n: service ls (CLI)" "$WORK/ls.ms"
  a=$(now_ms); rows=$(tr_cli service ps scale_sleep --host "$host" 2>/dev/null | wc -l); b=$(now_ms)
  echo "N=$n: service ps (CLI): $((b - a))ms for $((rows - 1)) rows"
  a=$(now_ms); tr_cli service scale "scale_sleep=$n" -d --host "$host" >/dev/null 2>&1; rc=$?; b=$(now_ms)
  echo "N=$n: service scale -d (CLI) acknowledged in $((b - a))ms (exit $rc)"
  a=$(now_ms); tr_cli --help >/dev/null 2>&1; b=$(now_ms)
  echo "N=$n: (the CLI's own start, --help: $((b - a))ms)"
  # The same requests straight on the API (no process start per request).
  echo "N=$n: API service ls: $("$API_LOAD" time "$host" ls - 100)"
  echo "N=$n: API service ps: $("$API_LOAD" time "$host" ps scale_sleep 5)"
  echo "N=$n: API service scale (same count): $("$API_LOAD" time "$host" scale "scale_sleep=$n" 20)"
  c0=$(cpu_ticks "$node"); sleep 10; c1=$(cpu_ticks "$node")
  hz=$(getconf CLK_TCK)
  echo "N=$n: idle CPU $(python3 -c "print(f'{($c1 - $c0) * 100 / $hz / 10:.1f}')")% of one core"
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$node/status")
  echo "N=$n: node RSS ${rss} KiB = $(python3 -c "print(f'{$rss / $n:.1f}')") KiB per task"
  before=$(count_bench_tasks)
  a=$(now_ms); kill -TERM "$node"
  deadline=$(( a + 120000 ))
  while kill -0 "$node" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.1; done
  b=$(now_ms)
  wait "$node" 2>/dev/null
  left=$(count_bench_tasks)
  echo "N=$n: SIGTERM stopped the node in $((b - a))ms; task processes $before before, $left left"
  kill -9 "$node" 2>/dev/null
  kill_bench_tasks
  rm -f "$WORK/pids/node"
done
