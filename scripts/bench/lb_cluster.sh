#!/usr/bin/env bash
# Routing-mesh propagation on a local cluster (1 manager + 2 workers, each
# node's ingress on its own loopback address): the time from `service scale`
# (2 → 3) until the new task answers through EVERY node's published port,
# and from `kill -9` of a task until no node sends it new connections (its
# slot stops answering through every node). Medians of RUNS rounds.
#
#   scripts/bench/lb_cluster.sh [BUILD_DIR]       (env: RUNS=3)
set -euo pipefail
BUILD=${1:-build}
TROUPE=$(realpath "$BUILD/troupe")
RUNS=${RUNS:-3}
WORK=$(mktemp -d /tmp/troupe-lb-cluster.XXXXXX)
B=$((17400 + RANDOM % 400))
API=127.0.0.1:$B
PUB=$((B + 1000))
declare -A INGRESS=([m1]=127.0.3.1 [w1]=127.0.3.2 [w2]=127.0.3.3)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in $(pgrep -f "$WORK/" || true); do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] && return
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/cluster.toml" <<TOML
[cluster]
name = "lbbench"
join_token = "lb-bench-join-token-0123"

[[managers]]
name = "m1"
cluster_address = "127.0.0.1:$((B + 1))"
api_address = "$API"

[defaults]
driver = "process"
address = "127.0.0.1"
metrics_address = "off"
dns_address = "off"

[nodes.m1]
data_dir = "$WORK/m1"
ingress_address = "${INGRESS[m1]}"

[nodes.w1]
data_dir = "$WORK/w1"
ports = "31800-31849"
api_address = "127.0.0.1:$((B + 2))"
ingress_address = "${INGRESS[w1]}"

[nodes.w2]
data_dir = "$WORK/w2"
ports = "31850-31899"
api_address = "127.0.0.1:$((B + 3))"
ingress_address = "${INGRESS[w2]}"

[timings]
node_heartbeat = "1s"
TOML
for i in 1 2 3; do mkdir -p "$WORK/www/$i"; echo "$i" > "$WORK/www/$i/index.html"; done
cat > "$WORK/web.toml" <<TOML
[stack]
name = "lb"

[services.web]
command = ["$(command -v busybox)", "httpd", "-f", "-p", "\${TROUPE_PORT_HTTP}", "-h", "$WORK/www/\${TROUPE_TASK_SLOT}"]
replicas = 2
ports = [{ name = "http", target = 8080, published = $PUB, balance = "round-robin" }]
TOML

"$TROUPE" agent --role manager --config "$WORK/cluster.toml" --name m1 >"$WORK/m1.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do "$TROUPE" node ls --host "$API" >/dev/null 2>&1 && break; sleep 0.2; done
for w in w1 w2; do
  "$TROUPE" agent --role worker --config "$WORK/cluster.toml" --name $w >"$WORK/$w.log" 2>&1 & PIDS+=($!)
done
until [ "$("$TROUPE" node ls --host "$API" 2>/dev/null | grep -c ready)" -ge 2 ]; do sleep 0.2; done
"$TROUPE" stack deploy "$WORK/web.toml" --host "$API" >/dev/null

ms() { date +%s%3N; }
# Whether slot $1 answers through every node (6 round-robin requests each).
seen_everywhere() {
  for n in m1 w1 w2; do
    local hit=0
    for _ in 1 2 3 4 5 6; do
      [ "$(curl -s -m 1 "http://${INGRESS[$n]}:$PUB/")" = "$1" ] && { hit=1; break; }
    done
    [ $hit = 1 ] || return 1
  done
}
gone_everywhere() {
  for n in m1 w1 w2; do
    for _ in 1 2 3 4 5 6; do
      [ "$(curl -s -m 1 "http://${INGRESS[$n]}:$PUB/")" = "$1" ] && return 1
    done
  done
  return 0
}
until seen_everywhere 1 && seen_everywhere 2; do sleep 0.1; done

up=(); down=()
for _ in $(seq "$RUNS"); do
  t0=$(ms)
  "$TROUPE" service scale lb_web=3 -d --host "$API" >/dev/null
  until seen_everywhere 3; do :; done
  up+=($(( $(ms) - t0 )))
  t0=$(ms)
  "$TROUPE" service scale lb_web=2 -d --host "$API" >/dev/null
  until gone_everywhere 3; do :; done
  down+=($(( $(ms) - t0 )))
  sleep 1
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "scale 2→3: new task answering through every node: median $(median "${up[@]}") ms (${up[*]})"
echo "scale 3→2: removed task gets no new connections on any node: median $(median "${down[@]}") ms (${down[*]})"
