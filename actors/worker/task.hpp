// The task actor: one per running task on a worker. It starts the task's
// container through its driver (or adopts one a previous incarnation of this
// actor, or an earlier agent, started: its shim still runs it), reports STARTING and RUNNING to its supervisor, learns of
// the container's exit from the driver's exit watcher (polling every 100ms
// only for drivers that cannot watch), stops it within the stop grace period
// when asked (SIGTERM, then SIGKILL), and on exit cleans up, tells the
// supervisor how it ended, and quits. Restart decisions are the supervisor's.
// The actor never blocks: starting, signalling and cleaning up containers
// run on the blocking pool, which answers with a message. A task with a
// health check is checked on a 100ms tick (health.hpp); each change of its
// health is reported, and an unhealthy task's container is stopped as a
// failure (the supervisor's restart policy then applies). An idle task
// without a health check costs no wake-ups.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "actors/interfaces.hpp"
#include "actors/worker/health.hpp"
#include "runtime/blocking_pool.hpp"
#include "runtime/driver.hpp"

namespace troupe {

struct task_context {
  pb::Task task;
  uint32_t restarts = 0;                  // container starts before this one
  std::shared_ptr<driver> drv;
  std::shared_ptr<blocking_pool> pool;    // null: blocking steps run inline
  std::string node;                       // this node's name
  std::string tasks_dir;                  // where task folders live
  std::optional<container_handle> adopt;  // a container still running
  int64_t adopt_started_ms = 0;           // when it started (0 = unknown)
  bool reattached = false;                // adopt is from an earlier agent
};

struct task_state {
  static inline const char* name = "task";
  task_context ctx;
  supervisor_actor supervisor;
  container_handle container;              // id "" while the start runs
  int64_t started_ms = 0;
  int64_t spawned_ms = 0;                  // when this actor began
  bool stopping = false;
  bool polling = false;                    // the driver cannot watch: poll
  bool exited = false;                     // cleanup under way
  std::unique_ptr<health_monitor> health;  // null: the task has no check
  bool unhealthy = false;                  // stopped for failing its check
};

task_actor::behavior_type task(probed_pointer<task_actor, task_state> self,
                               task_context ctx, supervisor_actor supervisor);

} // namespace troupe
