#!/usr/bin/env bash
# Many tasks on a cluster: 3 managers + 2 workers on 127.0.0.1 (process
# driver), one service of `sleep` tasks spread over the two workers (the
# managers run no tasks: they have no driver), every
# figure read through a FOLLOWER manager (its reads wait for a read index
# from the leader; its writes are forwarded to the leader).
#   scripts/bench/scale_cluster.sh [N...]      (default: 1000 5000 10000)
# For each N, on a fresh cluster: `stack deploy -d` of N replicas through the
# follower, the time until it shows N/N running (polled every 0.5s); then,
# idle: `service ls` p99, `service ps` of the service and the ack of a
# `service scale` (to N) straight on the follower's API (api_load: 100 / 5 /
# 20 requests on one connection); each node's CPU use over 10s idle (% of
# one core) and the RSS of all five nodes per task (the tasks' own processes
# aside); the time SIGTERM takes to stop all five with their tasks.
# MAX_SECS (default 300) bounds each deploy's wait.
# Environment: as lib.sh (TROUPE_BUILD/TROUPE_BIN select the build).
set -u
SIZES=${*:-1000 5000 10000}
MAX_SECS=${MAX_SECS:-300}
. "$(dirname "$0")/lib.sh"

bench_init scale-cluster
trap 'rc=$?; kill_bench_tasks; (exit $rc); bench_cleanup' EXIT

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $SIZES; do
  rm -rf "$WORK"/m? "$WORK"/w?
  bench_config 3 2
  for node in $MANAGERS $WORKERS; do start_node "$node"; done
  wait_leader 60 || die "no leader within 60s (logs in $WORK/logs)"
  leader=$(find_leader)
  follower=""
  for m in $MANAGERS; do [ "$m" = "$leader" ] || { follower=$m; break; }; done
  host=$(api_of "$follower")
  deadline=$(( $(now_ms) + 60000 ))
  until [ "$(tr_cli node ls --format json --host "$host" 2>"$WORK/logs/node-ls.err" |
              python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x.get("state") == "ready" and x.get("name", "").startswith("w")))' 2>/dev/null)" = 2 ]; do
    [ "$(now_ms)" -lt "$deadline" ] || die "the 2 workers were not ready within 60s"
    sleep 0.2
  done
  deploy_sleep_wait "$n" "$host" ", via follower $follower"
  sleep 2 # let the last status reports settle
  echo "N=$n: follower service ls: $("$API_LOAD" time "$host" ls - 100)"
  echo "N=$n: follower service ps: $("$API_LOAD" time "$host" ps scale_sleep 5)"
  echo "N=$n: follower service scale (same count): $("$API_LOAD" time "$host" scale "scale_sleep=$n" 20)"
  declare -A c0=()
  for node in $MANAGERS $WORKERS; do c0[$node]=$(cpu_ticks "$(pid_of "$node")"); done
  sleep 10
  hz=$(getconf CLK_TCK)
  line="" rss=0
  for node in $MANAGERS $WORKERS; do
    p=$(pid_of "$node")
    c1=$(cpu_ticks "$p")
    line="$line $node$([ "$node" = "$leader" ] && echo '(leader)') $(python3 -c "print(f'{($c1 - ${c0[$node]}) * 100 / $hz / 10:.1f}')")%"
    rss=$(( rss + $(awk '/VmRSS/ {print $2}' "/proc/$p/status") ))
  done
  echo "N=$n: idle CPU (% of one core):$line"
  echo "N=$n: RSS of the 5 nodes ${rss} KiB = $(python3 -c "print(f'{$rss / $n:.1f}')") KiB per task"
  before=$(count_bench_tasks)
  a=$(now_ms)
  for node in $WORKERS $MANAGERS; do kill -TERM "$(pid_of "$node")"; done
  deadline=$(( a + 120000 ))
  for node in $WORKERS $MANAGERS; do
    p=$(pid_of "$node")
    while kill -0 "$p" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.1; done
    wait "$p" 2>/dev/null
    rm -f "$WORK/pids/$node"
  done
  b=$(now_ms)
  echo "N=$n: SIGTERM stopped the 5 nodes in $((b - a))ms; task processes $before before, $(count_bench_tasks) left"
  kill_bench_tasks
done
