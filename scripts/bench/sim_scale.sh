#!/usr/bin/env bash
# A simulated cluster at scale (`troupe sim`: 3 real managers, N simulated
# workers in one process).
#   scripts/bench/sim_scale.sh [WORKERS...]        (default: 1000 5000 10000)
# For each size, on a fresh sim: the time until `node ls` shows every worker
# ready, and the process's RSS once they idle (per worker: above the RSS of
# a sim of 0 workers, measured first; so it counts the agent actors and what
# the 3 managers keep per node). Then, at the largest size:
# - placements: a stack of TASKS tasks (default 100000) in 10 services (4
#   replicated with cpu/memory, 4 replicated with a label constraint, 2 of
#   them also spread over more slots), `stack deploy -d`, the time until
#   `service ls` shows them all running (end to end) and the scheduler
#   actor's own busy time (the console's busy_ns of the leader's scheduler);
# - worker loss: KILL (default 1000) workers killed at once (typed on the
#   sim's stdin); the time until they are all down, and from then until
#   every task runs again on a live worker.
# Environment: as lib.sh; TASKS, KILL, MAX_SECS (default 600, each wait),
# HEARTBEAT (the workers' heartbeat period, default 5s as Swarm's: at 1s,
# 10,000 workers send 10,000 heartbeats a second to one dispatcher).
set -u
SIZES=${*:-1000 5000 10000}
TASKS=${TASKS:-100000}
KILL=${KILL:-1000}
MAX_SECS=${MAX_SECS:-600}
HEARTBEAT=${HEARTBEAT:-5s}
. "$(dirname "$0")/lib.sh"

bench_init sim-scale

# six consecutive free ports (the managers' APIs and cluster addresses)
port_block() {
  python3 - <<'PY'
import random, socket
while True:
    base = random.randrange(30000, 32000)
    socks = []
    try:
        for p in range(base, base + 6):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
    except OSError:
        for s in socks: s.close()
        continue
    print(base); break
PY
}

SIM_PID=""
HOST=""
# start_sim WORKERS: a fresh sim, stdin from $WORK/faults (a FIFO).
start_sim() {
  rm -rf "$WORK/sim" "$WORK/faults"
  mkfifo "$WORK/faults"
  local base
  base=$(port_block)
  HOST=127.0.0.1:$base
  "$TROUPE" sim --managers 3 --workers "$1" --seed 1 --api "$HOST" --heartbeat "$HEARTBEAT" \
    --data-dir "$WORK/sim" <>"$WORK/faults" >>"$WORK/logs/sim-$1.log" 2>&1 &
  SIM_PID=$!
  echo "$SIM_PID" >"$WORK/pids/sim"
}
stop_sim() {
  kill "$SIM_PID" 2>/dev/null
  local i
  for i in $(seq 1 600); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SIM_PID" 2>/dev/null
  wait "$SIM_PID" 2>/dev/null
  rm -f "$WORK/pids/sim"
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$SIM_PID/status"; }
# count_nodes STATE: workers in that state
count_nodes() {
  tr_cli --host "$HOST" node ls --format json 2>/dev/null | python3 -c '
import json, sys
try: print(sum(1 for n in json.load(sys.stdin) if n["role"] == "worker" and n["state"] == sys.argv[1]))
except Exception: print(-1)' "$1"
}
# wait_for CMD...: polls CMD until it succeeds or MAX_SECS pass
wait_for() {
  local deadline=$(( $(now_ms) + MAX_SECS * 1000 ))
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}
all_ready() { [ "$(count_nodes ready)" = "$1" ]; }
# running_total: running/desired of every service, summed ("R D")
running_total() {
  tr_cli --host "$HOST" service ls --format json 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin); print(sum(x["replicas_running"] for x in s), sum(x["replicas_desired"] for x in s))
except Exception: print("-1 -1")'
}
all_running() { read -r r d <<<"$(running_total)"; [ "$r" = "$1" ] && [ "$d" = "$1" ]; }
scheduler_busy_ns() {
  tr_cli --host "$HOST" console --exec ls --format json 2>/dev/null | python3 -c '
import json, sys
print(sum(a["busy_ns"] for a in json.load(sys.stdin) if a["kind"] == "scheduler"))'
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); workers' heartbeat $HEARTBEAT"
start_sim 0
wait_for all_ready 0 || die "the sim of 0 workers did not start"
sleep 5
base_rss=$(rss_kib)
stop_sim
echo "sim of 0 workers (3 managers): RSS $((base_rss / 1024)) MiB"

for n in $SIZES; do
  t0=$(now_ms)
  start_sim "$n"
  wait_for all_ready "$n" || die "$n workers were not all ready within ${MAX_SECS}s"
  t1=$(now_ms)
  sleep 10 # idle: joins done, heartbeats only
  rss=$(rss_kib)
  echo "workers=$n: joined and ready in $(( (t1 - t0) )) ms; RSS $((rss / 1024)) MiB, $(( (rss - base_rss) * 1024 / n )) bytes per worker above the empty sim (load $(cut -d' ' -f1 /proc/loadavg))"
  last=$n
  [ "$n" = "${SIZES##* }" ] || stop_sim
done

# The stack: 10 services summing to TASKS.
per=$((TASKS / 10))
stack=$WORK/stack.toml
{
  echo '[stack]'; echo 'name = "bench"'
  for i in 1 2 3 4 5 6 7 8 9 10; do
    echo "[services.s$i]"; echo 'driver = "sim"'; echo 'command = ["serve"]'
    echo "replicas = $per"
    if [ "$i" -le 4 ]; then
      echo "[services.s$i.resources]"; echo 'cpus = 0.25'; echo 'memory = "64MiB"'
    elif [ "$i" -le 8 ]; then
      echo "[services.s$i.placement]"; echo 'constraints = ["node.labels.disk == ssd"]'
    fi
  done
} >"$stack"
busy0=$(scheduler_busy_ns)
t0=$(now_ms)
tr_cli --host "$HOST" stack deploy -d "$stack" >>"$WORK/logs/deploy.log" 2>&1 || die "deploy failed (logs in $WORK/logs)"
wait_for all_running "$TASKS" || die "the $TASKS tasks did not all run within ${MAX_SECS}s: $(running_total)"
t1=$(now_ms)
busy1=$(scheduler_busy_ns)
ms=$((t1 - t0))
echo "placements: $TASKS tasks on $last workers running in $ms ms end to end = $(( TASKS * 1000 / (ms > 0 ? ms : 1) )) placements/s; the scheduler's own time $(( (busy1 - busy0) / 1000000 )) ms (load $(cut -d' ' -f1 /proc/loadavg))"

t0=$(now_ms)
echo "kill-workers $KILL" >"$WORK/faults"
wait_for eval '[ "$(count_nodes down)" = "$KILL" ]' || die "the $KILL killed workers were not all marked down"
t1=$(now_ms)
wait_for all_running "$TASKS" || die "the lost tasks did not all run again: $(running_total)"
t2=$(now_ms)
echo "worker loss: $KILL of $last workers killed; all down after $((t1 - t0)) ms; every task running again $((t2 - t1)) ms after that (load $(cut -d' ' -f1 /proc/loadavg))"
stop_sim
