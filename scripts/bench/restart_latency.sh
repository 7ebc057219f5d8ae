#!/usr/bin/env bash
# Restart latency under the default restart policy (first delay 100ms): a
# standalone node, K `sleep` tasks (default 50) of the process driver, then
# of the oci driver (busybox image built locally; skipped without root,
# runc, umoci or busybox-static); each task's process is killed once
# (kill -9, one after the other: no crash loop), and the time until its
# replacement runs is taken on the host: until the task's container.record
# names a new pid whose process has exec'd `sleep` (the agent writes the
# record right after the start). Prints p50/p99/max per driver.
#   scripts/bench/restart_latency.sh [K] [DRIVER...]   (default: process oci)
# Environment: as lib.sh (TROUPE_BUILD/TROUPE_BIN select the build).
set -u
K=${1:-50}
[ $# -gt 0 ] && shift
DRIVERS=${*:-process oci}
. "$(dirname "$0")/lib.sh"

bench_init restart-latency
# runc's containers of this run (ids start with the stack's name) go too.
remove_oci_containers() {
  local id
  for id in $(runc list -q 2>/dev/null | grep '^scale_sleep'); do
    runc delete -f "$id" >/dev/null 2>&1
  done
}
trap 'rc=$?; kill_bench_tasks; remove_oci_containers; (exit $rc); bench_cleanup' EXIT
MAX_SECS=120

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for driver in $DRIVERS; do
  extra=()
  SERVICE_EXTRA=""
  if [ "$driver" = oci ]; then
    if [ "$(id -u)" != 0 ] || ! command -v runc >/dev/null || ! command -v umoci >/dev/null \
       || [ ! -x /bin/busybox ]; then
      echo "K=$K: oci skipped (needs root, runc, umoci and busybox-static)"
      continue
    fi
    bash "$BENCH_SRC/scripts/build-busybox-image.sh" "$WORK/images" >>"$WORK/logs/image.log" 2>&1 ||
      die "cannot build the busybox image (see $WORK/logs/image.log)"
    printf '[cluster]\nname = "bench"\n[defaults]\nimages_dir = "%s"\n' "$WORK/images" >"$WORK/oci.toml"
    extra=(--config "$WORK/oci.toml")
    SERVICE_EXTRA=$'driver = "oci"\nimage = "busybox"'
  fi
  read -r api <<<"$(free_ports 1)"
  host=127.0.0.1:$api
  rm -rf "$WORK/node"
  start_standalone "$WORK/node" "$host" "$WORK/logs/node-$driver.log" --stop-tasks "${extra[@]}"
  deploy_sleep_wait "$K" "$host" " ($driver driver)"
  sleep 1 # records written, statuses settled
  python3 - "$WORK/node/tasks" "$WORK/latency-$driver.ms" <<'PY'
import os, signal, sys, time
tasks, out = sys.argv[1], sys.argv[2]
def record_pid(d):
    try:
        for line in open(os.path.join(tasks, d, "container.record")):
            if line.startswith("pid="):
                return int(line[4:])
    except OSError:
        pass
    return 0
def runs_sleep(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip() == "sleep"
    except OSError:
        return False
ms = []
for d in sorted(os.listdir(tasks)):
    old = record_pid(d)
    if old <= 0:
        continue
    t0 = time.monotonic()
    os.kill(old, signal.SIGKILL)
    while True:
        new = record_pid(d)
        if new > 0 and new != old and runs_sleep(new):
            break
        if time.monotonic() - t0 > 30:
            print(f"task {d}: no new process within 30s", file=sys.stderr)
            new = -1
            break
        time.sleep(0.001)
    if new > 0:
        ms.append((time.monotonic() - t0) * 1000)
with open(out, "w") as f:
    f.write("\n".join(f"{m:.0f}" for m in ms) + "\n")
PY
  stats "K=$K: kill -9 -> running again ($driver driver, load $(cut -d' ' -f1 /proc/loadavg))" \
    "$WORK/latency-$driver.ms"
  kill -TERM "$node"
  wait "$node" 2>/dev/null
  kill_bench_tasks
  remove_oci_containers
  rm -f "$WORK/pids/node"
done
