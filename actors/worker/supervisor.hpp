// The supervisor: one-for-one over a worker's task actors. It spawns a task
// actor per assigned task, applies the task's restart policy when a
// container exits or fails to start (restarting it in place after the
// backoff delay, with a growing restart count; while it waits the task is
// reported with no pid and restart_at set, shown as "restarting in 4s"),
// reports the final state when the policy gives up (FAILED with the reason)
// or troupe stopped the task, and respawns a task actor that died without
// reporting an exit (adopting its container). Containers an earlier agent
// left running (`leftovers`) are re-attached when their task is assigned
// (same pid and container id, restarts not counted) and stopped when a stop
// of their task comes first (the agent sends one for each record its first
// whole assignment list does not hold). Task actors do their blocking
// steps on one blocking_pool of the node, so many tasks start at once, at
// most as many as the pool has threads. Folders of ended tasks follow the
// history limit (core/task_folders.hpp): the oldest of a slot is removed, on
// the pool, when a newer task of that slot ends.
#pragma once

#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/worker/container_record.hpp"
#include "actors/worker/core/task_folders.hpp"
#include "actors/worker/core/restart_policy.hpp"
#include "runtime/blocking_pool.hpp"
#include "runtime/driver.hpp"

namespace troupe {

struct supervised_task {
  pb::Task task;
  task_actor actor;                        // null between restarts
  restart_tracker tracker;
  std::optional<container_handle> container;  // last one reported running
  bool stop_requested = false;
  bool unassigned = false;  // the agent's list dropped it (atom::stop)
  uint32_t actor_restarts = 0;
  bool reattach = false;          // container is an earlier agent's: adopt it
  int64_t reattach_started_ms = 0;
  std::string last_error;  // why the task actor was last respawned
  explicit supervised_task(pb::Task t)
    : task(std::move(t)), tracker(task.spec().restart()) {}
};

struct supervisor_state {
  static inline const char* name = "supervisor";
  agent_actor agent;
  std::map<std::string, std::shared_ptr<driver>> drivers;  // by name
  std::string node;
  std::string tasks_dir;
  std::shared_ptr<blocking_pool> pool;  // null: blocking steps run inline
  std::map<std::string, supervised_task> tasks;
  // The task each live task actor runs (by actor id): a down or exit
  // message finds its task without a scan of every task.
  std::unordered_map<caf::actor_id, std::string> task_of_actor;
  // Tasks that ended here while still assigned: never run again. An id
  // goes when the agent's list drops it, so the set holds only the ends
  // the manager has not recorded yet.
  std::set<std::string> ended;
  task_folder_history history{task_history_limit};  // folders of ended tasks
  // Containers an earlier agent left running (its container records), by
  // task id: adopted when their task is assigned, else stopped (atom::stop).
  std::map<std::string, container_record> leftovers;
  std::set<caf::actor_addr> respawned;  // dead task actors whose exit is due
  std::vector<caf::typed_response_promise<bool>> shutdown_waiters;
};

supervisor_actor::behavior_type
supervisor(probed_pointer<supervisor_actor, supervisor_state> self,
           agent_actor agent,
           std::map<std::string, std::shared_ptr<driver>> drivers,
           std::string node, std::string tasks_dir,
           std::shared_ptr<blocking_pool> pool,
           std::map<std::string, container_record> leftovers = {});

} // namespace troupe
