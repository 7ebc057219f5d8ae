#!/usr/bin/env bash
# A troupe cluster on this machine, one process per node of a cluster config.
#   scripts/local-cluster.sh up     [CONFIG]   start every manager and worker, wait until ready
#   scripts/local-cluster.sh status [CONFIG]   each process alive/dead, then `troupe cluster status`
#   scripts/local-cluster.sh down   [CONFIG]   SIGTERM every process and wait for it
# CONFIG defaults to examples/cluster.toml, the binary to ./build/troupe ($TROUPE).
# Logs (NAME.log) and pid files (NAME.pid) go to ./troupe-cluster/ ($TROUPE_CLUSTER_DIR);
# each node's data dir is the one its config names (./troupe-cluster/NAME in the example).
# Needs python3 (3.11+, for tomllib) to read the config and the JSON answers.
set -euo pipefail

cmd="${1:-}"
config="${2:-examples/cluster.toml}"
troupe="${TROUPE:-./build/troupe}"
state_dir="${TROUPE_CLUSTER_DIR:-./troupe-cluster}"

usage() {
  echo "usage: $0 up|down|status [CONFIG]" >&2
  exit 2
}

[[ -n "$cmd" ]] || usage
[[ -f "$config" ]] || { echo "local-cluster: no config file $config" >&2; exit 1; }
[[ -x "$troupe" ]] || { echo "local-cluster: no troupe binary at $troupe (set \$TROUPE)" >&2; exit 1; }

# "ROLE NAME [API]" per node: managers first, then every [nodes.X] that is not a manager.
nodes() {
  python3 - "$config" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    c = tomllib.load(f)
managers = c.get("managers", [])
names = set()
for m in managers:
    names.add(m["name"])
    print("manager", m["name"], m["api_address"])
for name in c.get("nodes", {}):
    if name not in names:
        print("worker", name)
EOF
}

mapfile -t node_lines < <(nodes)
first_api=""
for line in "${node_lines[@]}"; do
  read -r role name api <<<"$line"
  if [[ "$role" == manager && -z "$first_api" ]]; then first_api="$api"; fi
done
[[ -n "$first_api" ]] || { echo "local-cluster: $config has no [[managers]]" >&2; exit 1; }

not_alive() { ! alive "$1"; }
pid_of() { cat "$state_dir/$1.pid" 2>/dev/null || true; }
# alive: the pid runs troupe (not a reused pid) and is no zombie awaiting its reaper
alive() {
  local pid state
  pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--name $1 " || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)"
  [[ -n "$state" && "$state" != Z ]]
}

# Polls `$@` once a second until it succeeds or $1 seconds pass.
wait_for() {
  local limit="$1"; shift
  local i
  for ((i = 0; i < limit; i++)); do
    if "$@"; then return 0; fi
    sleep 1
  done
  return 1
}

has_leader() {
  "$troupe" cluster status --host "$first_api" --format json 2>/dev/null |
    python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("leader") else 1)' 2>/dev/null
}

workers_ready() {
  local want=() line role name api
  for line in "${node_lines[@]}"; do
    read -r role name api <<<"$line"
    if [[ "$role" == worker ]]; then want+=("$name"); fi
  done
  "$troupe" node ls --host "$first_api" --format json 2>/dev/null |
    python3 -c '
import json, sys
ready = {n["name"] for n in json.load(sys.stdin) if n.get("state") == "ready"}
sys.exit(0 if set(sys.argv[1:]) <= ready else 1)' "${want[@]}" 2>/dev/null
}

start_node() {
  local role="$1" name="$2"
  if alive "$name"; then
    echo "  $name already runs (pid $(pid_of "$name"))"
    return
  fi
  nohup "$troupe" agent --role "$role" --config "$config" --name "$name" \
    >>"$state_dir/$name.log" 2>&1 </dev/null &
  echo $! >"$state_dir/$name.pid"
  echo "  $role $name: pid $!, log $state_dir/$name.log"
}

up() {
  mkdir -p "$state_dir"
  local line role name api
  echo "starting the nodes of $config:"
  for line in "${node_lines[@]}"; do
    read -r role name api <<<"$line"
    if [[ "$role" == manager ]]; then start_node manager "$name"; fi
  done
  if ! wait_for 30 has_leader; then
    echo "local-cluster: no leader within 30s; see $state_dir/*.log" >&2
    exit 1
  fi
  for line in "${node_lines[@]}"; do
    read -r role name api <<<"$line"
    if [[ "$role" == worker ]]; then start_node worker "$name"; fi
  done
  if ! wait_for 30 workers_ready; then
    echo "local-cluster: the workers are not all ready within 30s; see $state_dir/*.log" >&2
    exit 1
  fi
  "$troupe" cluster status --host "$first_api"
  echo
  "$troupe" node ls --host "$first_api"
  cat <<EOF

The cluster is up. Use any manager's API, e.g.:
  export TROUPE_HOST=$first_api
  $troupe stack deploy examples/stack.toml
  $troupe service ls
  $troupe cluster status
Stop it with: $0 down $config
EOF
}

down() {
  local line role name api pid waiting=()
  # workers first (they stop their tasks), then the managers
  for want in worker manager; do
    waiting=()
    for line in "${node_lines[@]}"; do
      read -r role name api <<<"$line"
      [[ "$role" == "$want" ]] || continue
      if alive "$name"; then
        kill -TERM "$(pid_of "$name")"
        waiting+=("$name")
      fi
    done
    for name in "${waiting[@]}"; do
      pid="$(pid_of "$name")"
      if wait_for 60 not_alive "$name"; then
        echo "  $name stopped"
      else
        echo "  $name did not stop within 60s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      rm -f "$state_dir/$name.pid"
    done
  done
}

status() {
  local line role name api
  for line in "${node_lines[@]}"; do
    read -r role name api <<<"$line"
    if alive "$name"; then
      printf '%-8s %-8s alive (pid %s)\n' "$role" "$name" "$(pid_of "$name")"
    else
      printf '%-8s %-8s dead\n' "$role" "$name"
    fi
  done
  echo
  local answered=0
  for line in "${node_lines[@]}"; do
    read -r role name api <<<"$line"
    if [[ "$role" != manager ]] || ! alive "$name"; then continue; fi
    if "$troupe" cluster status --host "$api"; then answered=1; break; fi
  done
  [[ "$answered" == 1 ]] || echo "no manager answers"
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
