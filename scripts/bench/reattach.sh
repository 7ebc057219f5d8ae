#!/usr/bin/env bash
# Re-attachment after an agent restart: a standalone node, process driver,
# N `sleep` tasks (default 1000). kill -9 the node, start it again on the
# same data dir, and time until `service ps` shows every task re-attached
# (its message "re-attached after the agent restarted", its pid the one it
# had before); then the same after a SIGTERM (live restore). Also the RSS of
# one shim. Also when the restarted agent's API first answered (its own
# start, before any re-attachment shows). Polls every 0.2s; MAX_SECS
# (default 120) bounds each wait.
#   scripts/bench/reattach.sh [N]
# Environment: as lib.sh (TROUPE_BUILD/TROUPE_BIN select the build).
set -u
N=${1:-1000}
MAX_SECS=${MAX_SECS:-120}
. "$(dirname "$0")/lib.sh"

bench_init reattach
trap 'rc=$?; kill_bench_tasks; (exit $rc); bench_cleanup' EXIT

read -r api <<<"$(free_ports 1)"
host=127.0.0.1:$api

start() {
  "$TROUPE" agent --role standalone --name s1 --data-dir "$WORK/node" --api "$host" \
    --metrics-address off >>"$WORK/logs/node.log" 2>&1 &
  node=$!
  echo "$node" >"$WORK/pids/node"
}

# reattached_count PIDS_FILE: tasks shown re-attached with the pid they had.
reattached_count() {
  tr_cli service ps scale_sleep --format json --host "$host" 2>/dev/null | python3 -c "
import json, sys
before = set(open('$1').read().split())
n = 0
for t in json.load(sys.stdin):
    if t['state'] == 'running' and 're-attached' in t['message'] and str(t['pid']) in before:
        n += 1
print(n)" 2>/dev/null || echo 0
}

# measure HOW: restarts the stopped node and waits for all N re-attached.
measure() {
  local t0 t1 got=0 deadline up=""
  t0=$(now_ms)
  start
  deadline=$(( t0 + MAX_SECS * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ -z "$up" ] && tr_cli service ls --host "$host" >/dev/null 2>&1; then
      up=$(( $(now_ms) - t0 ))
    fi
    [ -z "$up" ] && { sleep 0.05; continue; }
    got=$(reattached_count "$WORK/pids.before")
    [ "${got:-0}" -ge "$N" ] && break
    sleep 0.2
  done
  t1=$(now_ms)
  if [ "${got:-0}" -lt "$N" ]; then
    echo "N=$N: after $1: only ${got:-0} re-attached after $(( (t1 - t0) / 1000 ))s"
    KEEP=1
  else
    echo "N=$N: after $1: all $N re-attached $((t1 - t0))ms after the agent started; its API answered after ${up}ms (load $(cut -d' ' -f1 /proc/loadavg))"
  fi
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
start_standalone "$WORK/node" "$host" "$WORK/logs/node.log"
deploy_sleep_wait "$N" "$host" ""
bench_task_pids | sort >"$WORK/pids.before"
echo "N=$N: $(wc -l <"$WORK/pids.before") task processes"
shim=$(for p in $(bench_pids_with_shims); do
         comm=""; read -r comm <"/proc/$p/comm" 2>/dev/null
         [ "$comm" = troupe-shim ] && { echo "$p"; break; }
       done)
[ -n "$shim" ] && echo "N=$N: one shim: VmRSS $(awk '/VmRSS/ {print $2}' "/proc/$shim/status") KiB, Pss $(awk '/^Pss:/ {print $2}' "/proc/$shim/smaps_rollup") KiB"

kill -9 "$node"; wait "$node" 2>/dev/null
echo "N=$N: after kill -9 of the agent: $(count_bench_tasks) task processes still run"
measure "kill -9"

kill -TERM "$node"; wait "$node" 2>/dev/null
echo "N=$N: after SIGTERM of the agent: $(count_bench_tasks) task processes still run"
measure "SIGTERM"
same=$(comm -12 "$WORK/pids.before" <(bench_task_pids | sort) | wc -l)
echo "N=$N: $same of $N task processes are the ones started first"
