#!/usr/bin/env bash
# Commit throughput and latency of 3 managers on 127.0.0.1, next to a
# 3-member etcd 3.4 cluster (Debian's etcd-server) under the same load.
#   scripts/bench/commit_throughput.sh [CLIENTS="4 16 64"] [WRITES=300]
#   env RUNS=3 (runs of both sides; the summary gives the medians)
# troupe: CLIENTS threads of api_load, each doing WRITES sequential
# `scale tp_cI=0` requests over one kept ZeroMQ connection (clients spread
# round robin over the 3 managers; a write is acknowledged after it is
# committed on a majority, fsync on, and applied). etcd: the same C++ client
# (api_load etcd), CLIENTS threads each doing WRITES sequential puts of its own
# key through the v3 HTTP/JSON gateway over one keep-alive connection (spread
# over the 3 members alike; default fsync). Each side starts fresh in every
# run, gets a 50-writes-per-client warm-up at the largest client count, then
# runs each client count in turn, alone on the machine. Each line gives
# writes/s, latency p50/p99/max, the load client's own CPU use (% of one
# core) and the machine's 1-minute load average before the measurement.
# Installs etcd-server and etcd-client from Debian when `etcd` is missing.
set -u
CLIENTS=${1:-4 16 64}
WRITES=${2:-300}
RUNS=${RUNS:-1}
. "$(dirname "$0")/lib.sh"

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
  apt-get install -y -q etcd-server etcd-client >/dev/null 2>&1 \
    || echo "etcd: could not install etcd-server/etcd-client; troupe measured alone"
fi

bench_init commit
max_clients=0
for c in $CLIENTS; do [ "$c" -gt "$max_clients" ] && max_clients=$c; done
RESULTS=$WORK/results
: >"$RESULTS"

loadavg() { cut -d' ' -f1 /proc/loadavg; }
# measure SIDE C LINE...: prints and records one measurement.
measure() {
  local side=$1 c=$2 run=$3 load line
  shift 3
  load=$(loadavg)
  line=$("$@") || log "$side run $run, $c clients: some writes failed"
  echo "$side clients $c run $run load $load: $line"
  echo "$side $c $load $line" >>"$RESULTS"
}

run_troupe() {
  local run=$1 n services="" c hosts
  rm -rf "$WORK"/m[0-9]*
  bench_config 3 0
  for n in $MANAGERS; do start_node "$n"; done
  wait_leader 60 || die "no leader within 60s (logs in $WORK/logs)"
  for ((c = 0; c < max_clients; c++)); do services="$services c$c"; done
  write_stack "$WORK/stack.toml" tp "$services" 0
  tr_cli stack deploy "$WORK/stack.toml" -d --host "$(api_of m1)" >/dev/null || die "deploy failed"
  hosts="$(api_of m1),$(api_of m2),$(api_of m3)"
  "$API_LOAD" load "$hosts" "$max_clients" 50 tp_c >/dev/null || log "troupe warm-up had failed writes"
  for c in $CLIENTS; do
    measure troupe "$c" "$run" "$API_LOAD" load "$hosts" "$c" "$WRITES" tp_c
  done
  for n in $MANAGERS; do kill_node "$n"; done
}

run_etcd() {
  local run=$1 i ep peer client cluster hosts t c
  read -r -a ep <<<"$(free_ports 6)"
  cluster="e1=http://127.0.0.1:${ep[0]},e2=http://127.0.0.1:${ep[2]},e3=http://127.0.0.1:${ep[4]}"
  rm -rf "$WORK"/etcd[0-9]
  for i in 1 2 3; do
    peer=${ep[$((2 * i - 2))]} client=${ep[$((2 * i - 1))]}
    etcd --name "e$i" --data-dir "$WORK/etcd$i" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token "bench-$$-$run" >"$WORK/logs/etcd$i.$run.log" 2>&1 &
    echo $! >"$WORK/pids/etcd$i"
  done
  hosts="127.0.0.1:${ep[1]},127.0.0.1:${ep[3]},127.0.0.1:${ep[5]}"
  for ((t = 0; t < 300; t++)); do
    if ETCDCTL_API=3 timeout 5 etcdctl --endpoints "http://127.0.0.1:${ep[1]}" put bench/ready 1 >/dev/null 2>&1; then
      break
    fi
    sleep 0.1
  done
  [ "$t" -lt 300 ] || die "etcd did not start (logs in $WORK/logs)"
  "$API_LOAD" etcd "$hosts" "$max_clients" 50 bench/c >/dev/null || log "etcd warm-up had failed writes"
  for c in $CLIENTS; do
    measure etcd "$c" "$run" "$API_LOAD" etcd "$hosts" "$c" "$WRITES" bench/c
  done
  for i in 1 2 3; do kill_node "etcd$i"; done
}

have_etcd=0 # SKIP_ETCD=1: troupe alone
[ "${SKIP_ETCD:-0}" = 1 ] || { command -v etcd >/dev/null && have_etcd=1; }
for ((r = 1; r <= RUNS; r++)); do
  run_troupe "$r"
  [ "$have_etcd" = 1 ] && run_etcd "$r"
done

echo "(clients: $CLIENTS; writes per client: $WRITES; runs: $RUNS; 3 members each, 127.0.0.1, fsync on)"
echo "medians over the runs:"
python3 - "$RESULTS" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    side, c, load, kv = f[0], int(f[1]), float(f[2]), f[3:]
    d = dict(zip(kv[0::2], kv[1::2]))
    rows.setdefault((side, c), []).append((float(d["wps"]), float(d["p50_ms"]),
                                           float(d["p99_ms"]), float(d["client_cpu_pct"]), load))
med = lambda xs: statistics.median(xs)
print("| clients | system | writes/s | p50 ms | p99 ms | client CPU % | load avg | runs |")
print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (side, c) in sorted(rows, key=lambda k: (k[1], k[0] != "troupe")):
    r = rows[(side, c)]
    print(f"| {c} | {side} | {med([x[0] for x in r]):.0f} | {med([x[1] for x in r]):.2f} | "
          f"{med([x[2] for x in r]):.2f} | {med([x[3] for x in r]):.0f} | "
          f"{min(x[4] for x in r):.1f}-{max(x[4] for x in r):.1f} | {len(r)} |")
for c in sorted({k[1] for k in rows}):
    if ("troupe", c) in rows and ("etcd", c) in rows:
        t = med([x[0] for x in rows[("troupe", c)]]); e = med([x[0] for x in rows[("etcd", c)]])
        print(f"{c} clients: troupe / etcd = {t / e:.2f}")
EOF
