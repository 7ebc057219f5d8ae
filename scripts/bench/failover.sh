#!/usr/bin/env bash
# Leader failover: the time from kill -9 of the Raft leader to the first
# acknowledged write through a surviving manager.
#   scripts/bench/failover.sh [N=20]
# 3 managers + 2 workers on 127.0.0.1, a small process-driver stack; N rounds
# of: find the leader, kill -9 it, send a `service scale` write every 20ms to
# the two survivors (each on its own connection, 3s each) until one is
# acknowledged; restart the killed manager on its data dir and wait until it
# has caught up. Prints every sample, then p50/p99/max. Goal: p99 <= 1.5s.
set -u
N=${1:-20}
. "$(dirname "$0")/lib.sh"

bench_init failover
bench_config 3 2
for n in $MANAGERS $WORKERS; do start_node "$n"; done
wait_leader 60 || die "no leader within 60s (logs in $WORK/logs)"
write_stack "$WORK/stack.toml" fo "app" 2
tr_cli stack deploy "$WORK/stack.toml" -d --host "$(api_of m1)" >/dev/null ||
  die "deploy failed"
log "cluster up (timings: $(grep -A9 '^\[timings\]' "$WORK/cluster.toml" | tail -n +2 | tr '\n' ' ')defaults otherwise)"

samples=$WORK/samples
: >"$samples"
for ((i = 1; i <= N; i++)); do
  leader=$(find_leader) || { wait_leader 30; leader=$(find_leader) || die "no leader"; }
  hosts=""
  for m in $MANAGERS; do
    [ "$m" = "$leader" ] || hosts="$hosts${hosts:+,}$(api_of "$m")"
  done
  pid=$(pid_of "$leader")
  ms=$("$API_LOAD" probe "$hosts" fo_app "$pid" 30000) || ms=""
  wait "$pid" 2>/dev/null
  rm -f "$WORK/pids/$leader"
  if [ -z "$ms" ]; then
    echo "round $i: leader $leader killed; no write acknowledged within 30s"
    echo 30000 >>"$samples"
  else
    echo "round $i: leader $leader killed; first write acknowledged after ${ms}ms"
    echo "$ms" >>"$samples"
  fi
  start_node "$leader"
  wait_caught_up "$leader" 60 || die "$leader did not catch up within 60s"
done
stats "failover (kill -9 leader -> first acknowledged write)" "$samples"
