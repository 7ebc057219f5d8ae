#!/usr/bin/env bash
# Routing-mesh benchmark: requests/s, new connections/s and p50/p99 latency
# (wrk) for (a) one backend directly, (b) troupe's routing mesh, (c) HAProxy
# in TCP mode with the same backends (3 busybox httpd replicas on a
# standalone node); plus the time from a killed task to its leaving the
# route table, and from a scale-up to the new endpoint being served.
# Medians of RUNS runs of DURATION each.
#
#   scripts/bench/lb_wrk.sh [BUILD_DIR]     (env: RUNS=3 DURATION=5s CONNS=32)
set -euo pipefail

BUILD=${1:-build}
TROUPE=$(realpath "$BUILD/troupe")
RUNS=${RUNS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-32}
for tool in wrk haproxy busybox; do
  if ! command -v "$tool" >/dev/null; then
    pkg=$tool; [ "$tool" = busybox ] && pkg=busybox-static
    apt-get install -y -q "$pkg" >/dev/null
  fi
done

WORK=$(mktemp -d /tmp/troupe-lb-bench.XXXXXX)
API=127.0.0.1:$((17300 + RANDOM % 500))
PUB=$((18300 + RANDOM % 500))
HAP=$((PUB + 1000))
AGENT_PID=""; HAP_PID=""
cleanup() {
  [ -n "$HAP_PID" ] && kill "$HAP_PID" 2>/dev/null || true
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/www"
head -c 512 /dev/zero | tr '\0' 'x' > "$WORK/www/index.html"
cat > "$WORK/cluster.toml" <<TOML
[cluster]
name = "bench"

[defaults]
ports = "31700-31799"
data_dir = "$WORK/data"
api_address = "$API"
metrics_address = "off"
dns_address = "off"
TOML
cat > "$WORK/web.toml" <<TOML
[stack]
name = "bench"

[services.web]
command = ["$(command -v busybox)", "httpd", "-f", "-p", "\${TROUPE_PORT_HTTP}", "-h", "$WORK/www"]
replicas = 3
ports = [{ name = "http", target = 8080, published = $PUB }]
TOML

"$TROUPE" agent --role standalone --config "$WORK/cluster.toml" --name bench >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do "$TROUPE" node ls --host "$API" >/dev/null 2>&1 && break; sleep 0.2; done
"$TROUPE" stack deploy "$WORK/web.toml" --host "$API" >/dev/null

endpoints() {
  "$TROUPE" service endpoints bench_web --format json --host "$API" 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print(" ".join(e["address"] for e in r[0]["endpoints"]))' 2>/dev/null || true
}
for _ in $(seq 100); do [ "$(endpoints | wc -w)" = 3 ] && break; sleep 0.2; done
read -r -a BACKENDS <<<"$(endpoints)"
[ "${#BACKENDS[@]}" = 3 ] || { echo "three endpoints never showed"; cat "$WORK/agent.log"; exit 1; }
until curl -sf -o /dev/null "http://127.0.0.1:$PUB/"; do sleep 0.2; done

{
  echo "global"
  echo "  maxconn 4096"
  echo "defaults"
  echo "  mode tcp"
  echo "  timeout connect 2s"
  echo "  timeout client 30s"
  echo "  timeout server 30s"
  echo "frontend fe"
  echo "  bind 127.0.0.1:$HAP"
  echo "  default_backend be"
  echo "backend be"
  echo "  balance leastconn"
  i=0; for b in "${BACKENDS[@]}"; do i=$((i+1)); echo "  server s$i $b"; done
} > "$WORK/haproxy.cfg"
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
HAP_PID=$!
until curl -sf -o /dev/null "http://127.0.0.1:$HAP/"; do sleep 0.2; done

# One wrk run: "requests/s p50_us p99_us errors".
run_wrk() {
  local url=$1; shift
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$@" "$url" 2>&1 | python3 -c '
import re, sys
t = sys.stdin.read()
def us(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
    if not m: return float("nan")
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
errors = (sum(int(x) for x in err.groups()) if err else 0) + (int(non2xx.group(1)) if non2xx else 0)
print(float(rps.group(1)) if rps else 0.0, us("50%"), us("99%"), errors)'
}

median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

declare -A TARGET=([direct]="http://${BACKENDS[0]}/" [troupe]="http://127.0.0.1:$PUB/" [haproxy]="http://127.0.0.1:$HAP/")
printf '%-8s %-10s %12s %10s %10s %8s\n' target mode "req/s" "p50(us)" "p99(us)" errors
for mode in keepalive close; do
  for name in direct troupe haproxy; do
    rps=(); p50=(); p99=(); errs=0
    for _ in $(seq "$RUNS"); do
      if [ "$mode" = close ]; then out=$(run_wrk "${TARGET[$name]}" -H "Connection: close")
      else out=$(run_wrk "${TARGET[$name]}"); fi
      read -r r a b e <<<"$out"
      rps+=("$r"); p50+=("$a"); p99+=("$b"); errs=$((errs + e))
    done
    printf '%-8s %-10s %12.0f %10.0f %10.0f %8d\n' "$name" "$mode" \
      "$(median "${rps[@]}")" "$(median "${p50[@]}")" "$(median "${p99[@]}")" "$errs"
  done
done

# Failover: kill -9 one task; time until the route table no longer lists it
# (the node's load balancers get the same table in the same snapshot round).
ms() { date +%s%3N; }
victim=$("$TROUPE" service ps bench_web --format json --host "$API" |
  python3 -c 'import json,sys; print([t for t in json.load(sys.stdin) if t["state"]=="running"][0]["pid"])')
t0=$(ms); kill -9 "$victim"
until [ "$(endpoints | wc -w)" = 2 ]; do sleep 0.01; done
echo "killed task out of the route table: $(( $(ms) - t0 )) ms"
until [ "$(endpoints | wc -w)" = 3 ]; do sleep 0.05; done

# Endpoint change reaching the load balancer: scale to 4 and wait until the
# new task answers through the published port (its body is the same, so
# watch its connection count through the table instead: the new endpoint
# shows in `service endpoints`, then requests reach it).
t0=$(ms)
"$TROUPE" service scale bench_web=4 -d --host "$API" >/dev/null
until [ "$(endpoints | wc -w)" = 4 ]; do sleep 0.01; done
echo "scale-up to a 4th endpoint in the table (start + report + commit): $(( $(ms) - t0 )) ms"
