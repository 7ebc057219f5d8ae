// The reconciler: desired state of one service against its tasks -> the
// changes that close the gap. Pure; the service actor proposes its output.
//
// Replicated: every slot 1..replicas wants one live task (desired RUNNING,
// state not terminal); a slot whose live task runs an old spec_version is
// left to the rolling-update planner (rollout.hpp), which replaces it. An empty slot gets a new
// PENDING task. A slot whose newest task ended FAILED or COMPLETE on the
// current spec is left alone: the worker's restart policy already decided.
// REJECTED and ORPHANED tasks are replaced. Slots above `replicas` are shut
// down.
// Moving (start-first): a live task on a known node that is no longer
// eligible (not ready, not active, or failing the service's constraints)
// keeps running while its slot gets a new PENDING task; only once that
// replacement is RUNNING is the old task shut down. A slot then holds at
// most two live tasks, one of them on an ineligible node. If the old node
// becomes eligible again before the replacement runs, the replacement is
// shut down instead (the move is called off). If the replacement ends
// FAILED or COMPLETE, no further one is created and the old task stays.
// Global: one live task per eligible node (ready, active, constraints met),
// created with its node already set; tasks on nodes no longer eligible are
// shut down.
// Jobs (config/service_mode.hpp): a replicated-job's slots are 1..completions
// and a slot whose task COMPLETED is done (left alone, as above); at most
// max_concurrent tasks are live at once, lowest empty slots first, and once
// a task FAILED no new one starts (the job failed). A global-job is global;
// its ended tasks are left alone the same way.
// Slots (nodes) no longer wanted get desired SHUTDOWN on every task still
// desired RUNNING, ended ones included, so a later scale-up refills them.
// History: terminal tasks beyond the newest `history_limit` per slot (or
// node, for global) are removed; the newest one always stays.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actors/worker/core/task_folders.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

struct reconcile_input {
  const pb::Service* service = nullptr;
  std::vector<const pb::Task*> tasks;  // every task of the service
  std::vector<const pb::Node*> nodes;  // every node
  int64_t now_ms = 0;
  uint32_t history_limit = task_history_limit;
};

/// Makes unique task ids: "SERVICE.SLOT.SUFFIX" / "SERVICE.NODE.SUFFIX".
using task_id_source = std::function<std::string(const pb::Service&,
                                                 const std::string& slot_or_node)>;

/// The changes (create_task, set_desired, remove_task) that move the service
/// toward its desired state. Empty when it is converged.
std::vector<pb::Change> reconcile(const reconcile_input& in,
                                  const task_id_source& new_id);

/// The create_task change of one new PENDING task on the service's current
/// spec (slot 0 and its node for global services).
pb::Change create_task_change(const pb::Service& svc, uint32_t slot,
                              const std::string& node, const std::string& id,
                              int64_t now_ms);

/// A random 10-character lower-case suffix for task ids.
std::string random_task_suffix();

} // namespace troupe
