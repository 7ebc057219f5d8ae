# Shared helpers of scripts/bench/*.sh and scripts/chaos.sh (sourced, not run).
# A local troupe cluster on 127.0.0.1: free ports, its own temp dir, every
# process started here killed on exit (trap), task processes included.
#
# Environment: TROUPE_BIN (the troupe binary, default $TROUPE_BUILD/troupe),
# TROUPE_BUILD (default the README's build dir, REPO/build, holds the `troupe`
# binary and messages/troupe.pb.cc), TROUPE_SRC (the repo), RAFT_HEARTBEAT,
# ELECTION_TIMEOUT, NODE_HEARTBEAT, NODE_DOWN_AFTER (cluster timings; the
# config defaults when unset), KEEP=1 keeps the temp dir (a failed run
# always keeps it).

BENCH_SRC=${TROUPE_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BENCH_BUILD=${TROUPE_BUILD:-$BENCH_SRC/build}
TROUPE=${TROUPE_BIN:-$BENCH_BUILD/troupe}
API_LOAD=""
WORK=""

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
LOG_FD=2
log() { echo "[$(date +%T)] $*" >&"$LOG_FD"; }
die() { echo "error: $*" >&"$LOG_FD"; exit 1; }

bench_cleanup() {
  local rc=$?
  [ -n "$WORK" ] && [ -d "$WORK/pids" ] || return 0
  [ "$rc" = 0 ] || KEEP=1 # a failed run keeps its logs
  [ "${KEEP:-0}" = 1 ] && log "keeping $WORK (logs in $WORK/logs)"
  exec 2>/dev/null # no "Killed" job notices
  local f pid
  for f in "$WORK"/pids/*; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -9 "$pid" 2>/dev/null
  done
  # Task processes outlive a worker killed with -9: find ours by the marker
  # (this run's temp dir) in their command line, and kill them by pid.
  local p
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$WORK/task-marker"; then
      kill -9 "${p#/proc/}" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}

# bench_init NAME: temp dir, cleanup trap, tools.
bench_init() {
  [ -x "$TROUPE" ] || die "no troupe binary at $TROUPE (build it: scripts/build.sh $BENCH_BUILD troupe)"
  WORK=$(mktemp -d "/tmp/troupe-$1.XXXXXX")
  mkdir -p "$WORK/pids" "$WORK/logs"
  # The shell's own stderr (job notices such as "Killed" for the nodes we
  # kill) goes to a log; messages for the user go to the original stderr.
  exec 3>&2 2>>"$WORK/logs/shell.log"
  LOG_FD=3
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  bench_build_api_load
}

# Compiles scripts/bench/api_load.cpp (kept in $BENCH_BUILD/bench-tools while
# it is newer than the source).
bench_build_api_load() {
  local dir=$BENCH_BUILD/bench-tools src=$BENCH_SRC/scripts/bench/api_load.cpp
  API_LOAD=$dir/api_load
  mkdir -p "$dir"
  if [ ! -x "$API_LOAD" ] || [ "$src" -nt "$API_LOAD" ]; then
    log "compiling api_load"
    g++ -O2 -std=c++17 "$src" -I"$BENCH_BUILD" -I"$BENCH_SRC" \
      "$BENCH_BUILD/messages/troupe.pb.cc" -lprotobuf -lzmq -lpthread \
      -o "$API_LOAD.tmp" && mv "$API_LOAD.tmp" "$API_LOAD" || die "cannot build api_load"
  fi
}

# free_ports N: N distinct free TCP ports on 127.0.0.1.
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# bench_config MANAGERS WORKERS: writes $WORK/cluster.toml (m1.., w1..).
bench_config() {
  local nm=$1 nw=$2 i ports
  read -r -a ports <<<"$(free_ports $((2 * nm + nw)))"
  local c=$WORK/cluster.toml base=$((30000 + RANDOM % 150 * 200))
  {
    echo '[cluster]'
    echo 'name = "bench"'
    echo 'join_token = "troupe-bench-join-token-0001"'
    for ((i = 1; i <= nm; i++)); do
      echo "[[managers]]"
      echo "name = \"m$i\""
      echo "cluster_address = \"127.0.0.1:${ports[$((2 * i - 2))]}\""
      echo "api_address = \"127.0.0.1:${ports[$((2 * i - 1))]}\""
      echo "127.0.0.1:${ports[$((2 * i - 1))]}" >"$WORK/api.m$i"
    done
    echo '[defaults]'
    echo 'driver = "process"'
    echo 'dns_address = "off"' # several nodes on one host: no shared DNS port
    for ((i = 1; i <= nm; i++)); do
      echo "[nodes.m$i]"
      echo "data_dir = \"$WORK/m$i\""
    done
    for ((i = 1; i <= nw; i++)); do
      echo "[nodes.w$i]"
      echo "data_dir = \"$WORK/w$i\""
      echo "api_address = \"127.0.0.1:${ports[$((2 * nm + i - 1))]}\""
      echo "ports = \"$((base + (i - 1) * 100))-$((base + i * 100 - 1))\""
    done
    echo '[timings]'
    [ -n "${RAFT_HEARTBEAT:-}" ] && echo "raft_heartbeat = \"$RAFT_HEARTBEAT\""
    [ -n "${ELECTION_TIMEOUT:-}" ] && echo "election_timeout = \"$ELECTION_TIMEOUT\""
    [ -n "${NODE_HEARTBEAT:-}" ] && echo "node_heartbeat = \"$NODE_HEARTBEAT\""
    [ -n "${NODE_DOWN_AFTER:-}" ] && echo "node_down_after = $NODE_DOWN_AFTER"
    true
  } >"$c"
  MANAGERS=""
  for ((i = 1; i <= nm; i++)); do MANAGERS="$MANAGERS m$i"; done
  WORKERS=""
  for ((i = 1; i <= nw; i++)); do WORKERS="$WORKERS w$i"; done
}

api_of() { cat "$WORK/api.$1"; }
pid_of() { cat "$WORK/pids/$1" 2>/dev/null; }
is_up() { local p; p=$(pid_of "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# start_node NAME (m* = manager, w* = worker). Not in $(...): the shell must
# stay its parent so `wait` can reap it.
start_node() {
  local role=worker
  case $1 in m*) role=manager ;; esac
  "$TROUPE" agent --role "$role" --config "$WORK/cluster.toml" --name "$1" \
    >>"$WORK/logs/$1.log" 2>&1 &
  echo $! >"$WORK/pids/$1"
}

# kill_node NAME: kill -9 and reap.
kill_node() {
  local p
  p=$(pid_of "$1") || return 0
  kill -9 "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  rm -f "$WORK/pids/$1"
}

# tr_cli ARGS...: the troupe CLI, bounded to 12s.
tr_cli() { timeout 12 "$TROUPE" "$@"; }

# status_field MANAGER FIELD: one field of `cluster status` as MANAGER sees it.
status_field() {
  tr_cli cluster status --format json --host "$(api_of "$1")" 2>/dev/null |
    python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])" 2>/dev/null
}

# find_leader: the leader's name as the live managers see it ("" if none).
find_leader() {
  local m l
  for m in $MANAGERS; do
    is_up "$m" || continue
    l=$(status_field "$m" leader)
    if [ -n "$l" ] && is_up "$l"; then echo "$l"; return 0; fi
  done
  return 1
}

# wait_leader SECS: waits until the live managers name a live leader.
wait_leader() {
  local deadline=$(( $(now_ms) + $1 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    find_leader >/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# wait_caught_up NAME SECS: NAME's applied index reaches the leader's commit.
wait_caught_up() {
  local deadline=$(( $(now_ms) + $2 * 1000 )) leader target applied
  while [ "$(now_ms)" -lt "$deadline" ]; do
    leader=$(find_leader) && target=$(status_field "$leader" commit_index) &&
      applied=$(status_field "$1" applied_index) &&
      [ -n "$target" ] && [ -n "$applied" ] && [ "$applied" -ge "$target" ] && return 0
    sleep 0.1
  done
  return 1
}

# write_stack FILE STACK SERVICES REPLICAS: a process-driver stack whose
# tasks carry this run's marker (for the cleanup).
write_stack() {
  local f=$1 s
  { echo '[stack]'; echo "name = \"$2\""
    for s in $3; do
      echo "[services.$s]"
      echo "command = [\"/bin/sh\", \"-c\", \"while sleep 1; do :; done\", \"$WORK/task-marker\"]"
      echo "replicas = $4"
      echo 'stop_grace_period = "1s"'
    done; } >"$f"
}

# Task processes of the scale benchmarks carry TROUPE_BENCH=$WORK in their
# environment: the cleanup (kill_bench_tasks) kills them by pid.
# Their shims carry it too (a shim's environment is its task's):
# bench_task_pids leaves them out, kill_bench_tasks kills both.
bench_pids_with_shims() {
  grep -lsxzF "TROUPE_BENCH=$WORK" /proc/[0-9]*/environ 2>/dev/null |
    sed 's|/proc/\([0-9]*\)/environ|\1|'
}
# (comm read with the shell's own `read`: a `cat` per process made a list of
# 2,000 processes take minutes on a loaded machine.)
bench_task_pids() {
  local p comm
  for p in $(bench_pids_with_shims); do
    comm=""
    read -r comm <"/proc/$p/comm" 2>/dev/null
    [ "$comm" = troupe-shim ] || echo "$p"
  done
}
# Kills this run's nodes first (a live node restarts the tasks killed under
# it, and with live restore they outlive its stop), then sweeps until none
# is left (at most 5 times): a shim in the middle of starting its task
# forks after a sweep has listed it, and that task escaped a single sweep.
kill_bench_tasks() {
  local p f left sweep
  for f in "$WORK"/pids/*; do
    [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
  done
  for sweep in 1 2 3 4 5; do
    left=$(bench_pids_with_shims)
    [ -n "$left" ] || return 0
    for p in $left; do kill -9 "$p" 2>/dev/null; done
  done
}
count_bench_tasks() { bench_task_pids | wc -l; }

# running_of SERVICE HOST: replicas running as `service ls` counts them.
running_of() {
  tr_cli service ls --format json --host "$2" 2>/dev/null | python3 -c "
import json, sys
for s in json.load(sys.stdin):
    if s['name'] == '$1': print(s['replicas_running']); break
else: print(0)" 2>/dev/null || echo 0
}

# cpu_ticks PID: user + system clock ticks of PID so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# deploy_sleep_wait N HOST NOTE: deploys the scale benchmarks' service
# (N `sleep 100000` tasks carrying TROUPE_BENCH=$WORK, stack "scale"; the
# TOML lines in $SERVICE_EXTRA added to the service, e.g. its driver) with
# `stack deploy -d` on HOST, waits up to MAX_SECS until N run and prints
# "N=...: all running after ..." (NOTE appended) or, on timeout, "only K
# running" and sets KEEP=1.
deploy_sleep_wait() {
  local n=$1 host=$2 note=$3 t0 t1 deadline got=0 secs per
  { echo '[stack]'; echo 'name = "scale"'
    echo '[services.sleep]'
    echo 'command = ["sleep", "100000"]'
    echo "replicas = $n"
    echo 'stop_grace_period = "10s"'
    [ -n "${SERVICE_EXTRA:-}" ] && echo "$SERVICE_EXTRA"
    echo '[services.sleep.env]'
    echo "TROUPE_BENCH = \"$WORK\""; } >"$WORK/stack.toml"
  t0=$(now_ms)
  tr_cli stack deploy "$WORK/stack.toml" -d --host "$host" >/dev/null || die "deploy of $n failed"
  deadline=$(( t0 + MAX_SECS * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    got=$(running_of scale_sleep "$host")
    [ "${got:-0}" -ge "$n" ] && break
    sleep 0.5
  done
  t1=$(now_ms)
  secs=$(python3 -c "print(f'{($t1 - $t0) / 1000:.1f}')")
  if [ "${got:-0}" -lt "$n" ]; then
    echo "N=$n: only ${got:-0} running after ${secs}s (gave up; logs in $WORK/logs)"
    KEEP=1
  else
    per=$(python3 -c "print(f'{($t1 - $t0) / $n:.2f}')")
    echo "N=$n: all running after ${secs}s = ${per} ms per task${note} (load $(cut -d' ' -f1 /proc/loadavg))"
  fi
}

# start_standalone DATA HOST LOG [FLAG...]: a standalone node (process
# driver) on DATA serving HOST, its output appended to LOG; sets $node (its
# pid, also in $WORK/pids/node) and waits until it answers (30s at most).
start_standalone() {
  local data=$1 host=$2 logf=$3 deadline
  shift 3
  "$TROUPE" agent --role standalone --name s1 --data-dir "$data" --api "$host" \
    --metrics-address off "$@" >>"$logf" 2>&1 &
  node=$!
  echo "$node" >"$WORK/pids/node"
  deadline=$(( $(now_ms) + 30000 ))
  until tr_cli service ls --host "$host" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || die "the node did not answer within 30s"
    sleep 0.2
  done
}

# stats LABEL FILE: n, p50, p99, max of the numbers in FILE (nearest rank).
stats() {
  python3 - "$1" "$2" <<'EOF'
import sys
v = sorted(float(x) for x in open(sys.argv[2]).read().split())
if not v:
    print(f"{sys.argv[1]}: no samples"); sys.exit(0)
pick = lambda p: v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
print(f"{sys.argv[1]}: n={len(v)} p50={pick(0.5):.0f}ms p99={pick(0.99):.0f}ms max={v[-1]:.0f}ms")
EOF
}
