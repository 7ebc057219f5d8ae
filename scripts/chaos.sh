#!/usr/bin/env bash
# Chaos test: kill -9 and restart managers and workers under a steady load of
# writes, then check that nothing acknowledged was lost.
#   scripts/chaos.sh [ROUNDS=100] [--short]      (--short: 5 rounds, ~1-2 min)
# 3 managers + 2 workers on 127.0.0.1. Two writers (api_load chaos), one
# service each, write replicas 1,2,3,1,2,.. one at a time, retrying a write
# that got no acknowledgement (same value, next manager) and logging every
# attempt and acknowledgement. Each round kills (-9) one random node (manager
# or worker), keeps it down 0.3-2s, restarts it on its data dir and waits for
# it (a manager: caught up with the leader; a worker: ready), so at most one
# node -- never two managers -- is down at any time. Then: heal (all up),
# stop the writers after their last write is acknowledged, wait, and check:
#   lost: per writer, the final desired replicas (as every manager reads them)
#         must equal its last acknowledged value, and every manager's applied
#         index must reach the highest index any acknowledgement named;
#   every manager reports the same commit_index and applied_index;
#   the desired replicas of every service are running.
# Exits 1 if a check fails. SEED=N replays a run's choice of victims.
# Network partitions are not simulated (they would need network namespaces).
set -u
ROUNDS=100
for a in "$@"; do
  case $a in
    --short) ROUNDS=5 ;;
    [0-9]*) ROUNDS=$a ;;
    *) echo "usage: $0 [ROUNDS] [--short]" >&2; exit 2 ;;
  esac
done
. "$(dirname "$0")/bench/lib.sh"
SEED=${SEED:-$$}
RANDOM=$SEED

bench_init chaos
bench_config 3 2
for n in $MANAGERS $WORKERS; do start_node "$n"; done
wait_leader 60 || die "no leader within 60s (logs in $WORK/logs)"
write_stack "$WORK/stack.toml" ch "w0 w1" 1
tr_cli stack deploy "$WORK/stack.toml" --timeout 90s --host "$(api_of m1)" >/dev/null ||
  die "the stack did not converge"
log "cluster up; $ROUNDS rounds, seed $SEED"

# Writers: through every manager, starting at a different one.
m=($MANAGERS)
for k in 0 1; do
  hosts=""
  for j in 0 1 2; do hosts="$hosts${hosts:+,}$(api_of "${m[$(((k + j) % 3))]}")"; done
  "$API_LOAD" chaos "$hosts" "ch_w$k" 3 "$WORK/stop" $((ROUNDS * 30 + 120)) \
    >"$WORK/writer$k.log" 2>&1 &
  echo $! >"$WORK/pids/writer$k"
done

wait_ready() { # NAME SECS: a worker is listed ready
  local deadline=$(( $(now_ms) + $2 * 1000 )) l
  while [ "$(now_ms)" -lt "$deadline" ]; do
    l=$(find_leader) && tr_cli node ls --format json --host "$(api_of "$l")" 2>/dev/null |
      python3 -c "import json,sys; sys.exit(0 if any(n['name']=='$1' and n['state']=='ready' for n in json.load(sys.stdin)) else 1)" &&
      return 0
    sleep 0.2
  done
  return 1
}

nodes=($MANAGERS $WORKERS)
failures=0
for ((r = 1; r <= ROUNDS; r++)); do
  victim=${nodes[$((RANDOM % ${#nodes[@]}))]}
  down_ms=$((300 + RANDOM % 1700))
  kill_node "$victim"
  sleep "$(printf '%d.%03d' $((down_ms / 1000)) $((down_ms % 1000)))"
  start_node "$victim"
  case $victim in
    m*) wait_caught_up "$victim" 60 || { log "round $r: $victim did not catch up in 60s"; failures=$((failures + 1)); } ;;
    w*) wait_ready "$victim" 60 || { log "round $r: $victim not ready in 60s"; failures=$((failures + 1)); } ;;
  esac
  echo "round $r: kill -9 $victim, down ${down_ms}ms, back; acks so far: $(cat "$WORK"/writer*.log | grep -c '^ack')"
done

# Heal: everything is up (each round restarted its victim); stop the writers.
for n in $MANAGERS $WORKERS; do is_up "$n" || start_node "$n"; done
touch "$WORK/stop"
for k in 0 1; do
  p=$(pid_of "writer$k")
  t=0
  while [ "$t" -lt 600 ] && kill -0 "$p" 2>/dev/null; do sleep 0.1; t=$((t + 1)); done
  kill -0 "$p" 2>/dev/null && kill -9 "$p"
  wait "$p" 2>/dev/null || { log "writer $k did not get its last write acknowledged"; failures=$((failures + 1)); }
  rm -f "$WORK/pids/writer$k"
done

# Converge: every manager at the same commit and applied index.
same=0
for ((t = 0; t < 120 && same == 0; t++)); do
  view=""
  for n in $MANAGERS; do
    view="$view $(status_field "$n" commit_index)/$(status_field "$n" applied_index)"
  done
  read -r -a v <<<"$view"
  if [ "${#v[@]}" = 3 ] && [ "${v[0]}" = "${v[1]}" ] && [ "${v[1]}" = "${v[2]}" ] &&
     [ "${v[0]%/*}" = "${v[0]#*/}" ]; then same=1; else sleep 0.5; fi
done
echo "managers' commit/applied index:$view"
[ "$same" = 1 ] || { echo "FAIL: the managers do not agree on commit/applied index"; failures=$((failures + 1)); }

# Lost writes: the final desired replicas, as every manager reads them.
finals=""
for n in $MANAGERS; do
  finals="$finals $n=$(tr_cli service ls --format json --host "$(api_of "$n")" 2>/dev/null |
    python3 -c "import json,sys; print(','.join(f\"{s['name']}:{s['replicas_desired']}\" for s in sorted(json.load(sys.stdin), key=lambda s: s['name'])))")"
done
check=$(python3 - "$WORK" "$finals" "$view" <<'EOF'
import sys
work, finals, view = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
acks = lost = 0
unacked = 0
max_index = 0
msgs = []
for k in (0, 1):
    last_try, last_ack, pending = None, None, []
    for line in open(f"{work}/writer{k}.log"):
        p = line.split()
        if p and p[0] == "try":
            if last_try is not None: unacked += 1
            last_try = int(p[1])
        elif p and p[0] == "ack":
            acks += 1; last_ack = int(p[1]); last_try = None
            max_index = max(max_index, int(p[2]))
    for f in finals:
        name, _, svcs = f.partition("=")
        got = dict(s.split(":") for s in svcs.split(",") if s)
        final = int(got.get(f"ch_w{k}", -1))
        if last_ack is not None and final != last_ack:
            lost += 1
            msgs.append(f"ch_w{k}: {name} reads replicas {final}, last acknowledged {last_ack}")
for v in view:
    applied = int(v.split("/")[1]) if "/" in v and v.split("/")[1].isdigit() else 0
    if applied < max_index:
        lost += 1
        msgs.append(f"a manager's applied index {applied} < acknowledged index {max_index}")
print(f"acknowledged={acks} unacknowledged_attempts={unacked} max_ack_index={max_index} lost={lost}")
for m in msgs: print("  " + m)
EOF
)
echo "$check"
case $check in *" lost=0"*) ;; *) echo "FAIL: acknowledged writes lost"; failures=$((failures + 1)) ;; esac

# Desired replicas running.
ok=0
for ((t = 0; t < 120 && ok == 0; t++)); do
  l=$(find_leader) && tr_cli service ls --format json --host "$(api_of "$l")" 2>/dev/null |
    python3 -c "import json,sys; s=json.load(sys.stdin); sys.exit(0 if s and all(x['replicas_running']==x['replicas_desired'] for x in s) else 1)" &&
    ok=1 || sleep 0.5
done
l=$(find_leader) && echo "services: $(tr_cli service ls --format json --host "$(api_of "$l")" 2>/dev/null |
  python3 -c "import json,sys; print(' '.join(f\"{x['name']} {x['replicas_running']}/{x['replicas_desired']}\" for x in json.load(sys.stdin)))")"
[ "$ok" = 1 ] || { echo "FAIL: desired replicas are not all running after 60s"; failures=$((failures + 1)); }

if [ "$failures" = 0 ]; then echo "chaos: PASS ($ROUNDS rounds, seed $SEED)"; exit 0; fi
echo "chaos: FAIL ($failures failed checks, $ROUNDS rounds, seed $SEED; KEEP=1 keeps the logs)"
exit 1
