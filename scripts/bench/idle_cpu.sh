#!/usr/bin/env bash
# Idle CPU of a standalone node running 9 tasks: utime+stime of the agent
# process (from /proc/PID/stat) over a quiet window, as % of one core, plus
# its context switches per second. Usage: idle_cpu.sh [SECONDS] (default 10).
# TROUPE_BIN picks the binary (default build/troupe of this checkout).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TROUPE=${TROUPE_BIN:-$SRC/build/troupe}
SECONDS_WINDOW=${1:-10}
WORK=$(mktemp -d /tmp/troupe-idle.XXXXXX)
PID=""
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
API=127.0.0.1:$port
cat >"$WORK/cluster.toml" <<TOML
[cluster]
name = "idle"
[defaults]
dns_address = "off"
metrics_address = "off"
TOML
cat >"$WORK/stack.toml" <<TOML
[stack]
name = "idle"
[services.sleeper]
command = ["/bin/sh", "-c", "exec sleep 100000"]
replicas = 9
stop_grace_period = "1s"
TOML
"$TROUPE" agent --role standalone --name idle --config "$WORK/cluster.toml" \
  --data-dir "$WORK/data" --api "$API" >"$WORK/agent.log" 2>&1 &
PID=$!
for _ in $(seq 100); do "$TROUPE" node ls --host "$API" >/dev/null 2>&1 && break; sleep 0.2; done
"$TROUPE" stack deploy "$WORK/stack.toml" --host "$API" --timeout 60s >/dev/null
sleep 3 # let start-up settle
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
switches() {
  local total=0 f
  for f in /proc/$PID/task/*/status; do
    total=$((total + $(awk '/^(voluntary|nonvoluntary)_ctxt_switches/ {s += $2} END {print s}' "$f")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
t0=$(ticks); c0=$(switches)
sleep "$SECONDS_WINDOW"
t1=$(ticks); c1=$(switches)
python3 - "$t0" "$t1" "$c0" "$c1" "$hz" "$SECONDS_WINDOW" <<'PY'
import sys
t0, t1, c0, c1, hz, secs = map(float, sys.argv[1:])
print(f"idle node, 9 tasks: {100 * (t1 - t0) / hz / secs:.2f}% of a core, "
      f"{(c1 - c0) / secs:.0f} context switches/s over {secs:.0f}s")
PY
