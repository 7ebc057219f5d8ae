#!/usr/bin/env bash
# Commit throughput and latency of 3 managers on 127.0.0.1, next to a
# 3-member etcd 3.4 cluster (Debian's etcd-server) under the same load.
#   scripts/bench/commit_throughput.sh [CLIENTS=4] [WRITES=500]
# troupe: CLIENTS threads of api_load, each doing WRITES sequential
# `scale tp_cI=0` requests over one kept ZeroMQ connection (clients spread
# round robin over the 3 managers; a write is acknowledged after it is
# committed on a majority, fsync on, and applied). etcd: CLIENTS Python
# threads, each doing WRITES sequential puts of its own key through the v3
# HTTP/JSON gateway over one keep-alive connection (spread over the 3 members
# alike; default fsync). Each side gets a 50-writes-per-client warm-up first
# and runs alone. Prints writes/s and latency p50/p99/max for both.
# Skips etcd (saying so) when `etcd` is not installed
# (apt-get install etcd-server etcd-client).
set -u
CLIENTS=${1:-4}
WRITES=${2:-500}
. "$(dirname "$0")/lib.sh"

bench_init commit

# --- troupe ------------------------------------------------------------------
bench_config 3 0
for n in $MANAGERS; do start_node "$n"; done
wait_leader 60 || die "no leader within 60s (logs in $WORK/logs)"
services=""
for ((c = 0; c < CLIENTS; c++)); do services="$services c$c"; done
write_stack "$WORK/stack.toml" tp "$services" 0
tr_cli stack deploy "$WORK/stack.toml" -d --host "$(api_of m1)" >/dev/null || die "deploy failed"
hosts="$(api_of m1),$(api_of m2),$(api_of m3)"
"$API_LOAD" load "$hosts" "$CLIENTS" 50 tp_c >/dev/null || log "troupe warm-up had failed writes"
troupe_line=$("$API_LOAD" load "$hosts" "$CLIENTS" "$WRITES" tp_c) || log "troupe run had failed writes"
echo "troupe: $troupe_line"
for n in $MANAGERS; do kill_node "$n"; done

# --- etcd --------------------------------------------------------------------
if ! command -v etcd >/dev/null; then
  echo "etcd: not installed (apt-get install etcd-server); troupe measured alone"
  exit 0
fi
read -r -a ep <<<"$(free_ports 6)"
cluster="e1=http://127.0.0.1:${ep[0]},e2=http://127.0.0.1:${ep[2]},e3=http://127.0.0.1:${ep[4]}"
for i in 1 2 3; do
  peer=${ep[$((2 * i - 2))]} client=${ep[$((2 * i - 1))]}
  etcd --name "e$i" --data-dir "$WORK/etcd$i" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --initial-cluster "$cluster" --initial-cluster-state new \
    --initial-cluster-token "bench-$$" >"$WORK/logs/etcd$i.log" 2>&1 &
  echo $! >"$WORK/pids/etcd$i"
done
etcd_hosts="127.0.0.1:${ep[1]},127.0.0.1:${ep[3]},127.0.0.1:${ep[5]}"
etcd_load() {
  python3 - "$etcd_hosts" "$CLIENTS" "$1" <<'EOF'
import base64, http.client, json, sys, threading, time
hosts, clients, writes = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3])
lat, failed, lock = [], [0], threading.Lock()
def client(c):
    host, port = hosts[c % len(hosts)].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    key = base64.b64encode(f"bench/c{c}".encode()).decode()
    mine, bad = [], 0
    for i in range(writes):
        body = json.dumps({"key": key, "value": base64.b64encode(str(i).encode()).decode()})
        t = time.monotonic()
        try:
            conn.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
            r = conn.getresponse(); data = r.read()
            if r.status == 200 and b"header" in data:
                mine.append((time.monotonic() - t) * 1000); continue
        except Exception:
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
        bad += 1
    with lock:
        lat.extend(mine); failed[0] += bad
t0 = time.monotonic()
ts = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
[t.start() for t in ts]; [t.join() for t in ts]
secs = time.monotonic() - t0
lat.sort()
pick = lambda p: lat[min(len(lat) - 1, int(p * (len(lat) - 1) + 0.5))] if lat else 0
print(f"writes {len(lat)} failed {failed[0]} secs {secs:.2f} wps {len(lat) / secs:.0f} "
      f"p50_ms {pick(0.5):.2f} p99_ms {pick(0.99):.2f} max_ms {pick(1.0):.2f}")
sys.exit(0 if failed[0] == 0 else 1)
EOF
}
ready=0
for ((t = 0; t < 300; t++)); do
  if ETCDCTL_API=3 timeout 5 etcdctl --endpoints "http://127.0.0.1:${ep[1]}" put bench/ready 1 >/dev/null 2>&1; then
    ready=1; break
  fi
  sleep 0.1
done
[ "$ready" = 1 ] || die "etcd did not start (logs in $WORK/logs)"
etcd_load 50 >/dev/null || log "etcd warm-up had failed writes"
etcd_line=$(etcd_load "$WRITES") || log "etcd run had failed writes"
echo "etcd:   $etcd_line"
echo "(clients=$CLIENTS, writes per client=$WRITES, 3 members each, 127.0.0.1, fsync on)"
