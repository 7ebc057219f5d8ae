#!/usr/bin/env bash
# One command from a fresh Debian 12 (as root) to a running standalone node:
# installs what is missing, builds, builds the busybox image, starts
# `troupe agent --role standalone` in the background and deploys
# examples/web.toml (3 busybox httpd containers under runc).
#   scripts/quickstart.sh         start (or keep) the node and deploy
#   scripts/quickstart.sh stop    stop the node (its containers stop too)
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${TROUPE_DATA_DIR:-./troupe-data}
pid_file=$data_dir/agent.pid
troupe=./build/troupe

if [[ ${1:-} == stop ]]; then
  if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    kill -TERM "$(cat "$pid_file")"
    while kill -0 "$(cat "$pid_file")" 2>/dev/null; do sleep 0.2; done
    echo "troupe node stopped"
  else
    echo "no troupe node is running from $data_dir"
  fi
  exit 0
fi

scripts/install-deps.sh
scripts/build.sh build troupe
scripts/build-busybox-image.sh

mkdir -p "$data_dir"
if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "troupe node already running (pid $(cat "$pid_file"))"
else
  nohup "$troupe" agent --role standalone --data-dir "$data_dir" \
    >"$data_dir/agent.log" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 100); do
    "$troupe" node ls >/dev/null 2>&1 && break
    kill -0 "$(cat "$pid_file")" 2>/dev/null || { cat "$data_dir/agent.log"; exit 1; }
    sleep 0.1
  done
fi

"$troupe" stack deploy examples/web.toml
"$troupe" service ps demo_web
echo
"$troupe" service endpoints demo_web
echo
echo "The routing mesh serves demo_web on its published port, through any node:"
echo "  curl http://127.0.0.1:8080/"
echo "Try: $troupe service ls | service update demo_web --env V=2 | service rollback demo_web"
echo "     $troupe console   (tree, top, inspect ACTOR)   $troupe events --since 5m"
echo "Node log: $data_dir/agent.log.  Stop the node: scripts/quickstart.sh stop"
