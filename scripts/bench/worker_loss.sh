#!/usr/bin/env bash
# Worker loss: the time from kill -9 of a worker holding tasks until every
# desired replica runs on the other worker.
#   scripts/bench/worker_loss.sh [N=5]
# 3 managers + 2 workers on 127.0.0.1, one service of 4 process tasks. Each
# round kills (-9) a worker that runs tasks, polls `service ps --format json`
# every 50ms until 4 tasks are running (desired running) on other nodes, then
# restarts the worker and waits until it is ready again. Prints every sample,
# p50 and max. Goal: <= 3s with the default timings (node heartbeat 1s, down
# after 3 missed; a dropped connection marks the worker down at once).
# LOSS_SIGNAL=STOP freezes the worker (kill -STOP) instead: its connection
# stays open, so only the missed heartbeats reveal it; it is killed (-9) and
# restarted after the round.
set -u
LOSS_SIGNAL=${LOSS_SIGNAL:-KILL}
N=${1:-5}
REPLICAS=4
. "$(dirname "$0")/lib.sh"

bench_init worker-loss
bench_config 3 2
for n in $MANAGERS $WORKERS; do start_node "$n"; done
wait_leader 60 || die "no leader within 60s (logs in $WORK/logs)"
write_stack "$WORK/stack.toml" wl "app" "$REPLICAS"
tr_cli stack deploy "$WORK/stack.toml" --timeout 90s --host "$(api_of m1)" >/dev/null ||
  die "the stack did not converge"

# poll_ps MODE VICTIM_PID VICTIM: prints ms from the kill (done here, so the
# clock starts with it) until REPLICAS tasks run off VICTIM; MODE=holder
# prints the name of a worker running tasks instead.
poll_ps() {
  python3 - "$TROUPE" "$(api_of m1),$(api_of m2),$(api_of m3)" "$REPLICAS" "$@" "$LOSS_SIGNAL" <<'EOF'
import json, os, signal, subprocess, sys, time
troupe, hosts, replicas, mode = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4]
def tasks():
    for h in hosts:
        try:
            r = subprocess.run([troupe, "service", "ps", "wl_app", "--format", "json", "--host", h],
                               capture_output=True, text=True, timeout=5)
            if r.returncode == 0:
                return json.loads(r.stdout)
        except Exception:
            pass
    return []
live = lambda t: t["state"] == "running" and t["desired_state"] == "running"
if mode == "holder":
    nodes = sorted({t["node"] for t in tasks() if live(t)})
    print(nodes[0] if nodes else ""); sys.exit(0)
pid, victim, sig = int(sys.argv[5]), sys.argv[6], sys.argv[7]
t0 = time.monotonic()
os.kill(pid, signal.SIGSTOP if sig == "STOP" else signal.SIGKILL)
while time.monotonic() - t0 < 60:
    ts = tasks()
    if sum(1 for t in ts if live(t) and t["node"] != victim) >= replicas:
        if os.environ.get("DEBUG"):
            for t in ts:
                print(t["id"], t["node"], t["desired_state"], t["state"], t["pid"], t["started_at"], file=sys.stderr)
        print(round((time.monotonic() - t0) * 1000)); sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
EOF
}

# wait_ready NAME SECS: the node is listed as ready.
wait_ready() {
  local deadline=$(( $(now_ms) + $2 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    tr_cli node ls --format json --host "$(api_of m1)" 2>/dev/null |
      python3 -c "import json,sys; sys.exit(0 if any(n['name']=='$1' and n['state']=='ready' for n in json.load(sys.stdin)) else 1)" &&
      return 0
    sleep 0.2
  done
  return 1
}

samples=$WORK/samples
: >"$samples"
for ((i = 1; i <= N; i++)); do
  victim=$(poll_ps holder)
  [ -n "$victim" ] || die "no worker runs tasks"
  pid=$(pid_of "$victim")
  if ms=$(poll_ps kill "$pid" "$victim"); then
    echo "round $i: worker $victim (SIG$LOSS_SIGNAL); $REPLICAS/$REPLICAS running elsewhere after ${ms}ms"
    echo "$ms" >>"$samples"
  else
    echo "round $i: worker $victim (SIG$LOSS_SIGNAL); not converged within 60s"
    echo 60000 >>"$samples"
  fi
  kill_node "$victim" # reaps it (and ends a stopped one)
  start_node "$victim"
  wait_ready "$victim" 60 || die "$victim did not come back within 60s"
done
stats "worker loss (SIG$LOSS_SIGNAL worker -> all replicas running elsewhere)" "$samples"
