// The rolling-update planner: one service's tasks, its update policy and the
// replicated Service.update_status in -> the next step of its rollout. Pure
// (time is passed in); the service actor proposes what it returns, together
// with the reconciler's changes. The reconciler never replaces a live task on
// an old spec_version in a wanted slot (or node, for global services): that
// is this planner's job alone.
//
// Per slot (node): an *outdated* slot still has a live task on an old spec.
// A new task is *stable* once it is RUNNING with a process, healthy if its
// spec has a health check, and has run for `monitor` since it (last)
// started. It has *failed* when it ended FAILED or COMPLETE, or restarted,
// or is unhealthy before it was stable.
// - stop-first: the old task gets desired SHUTDOWN and a new task is started
//   in its slot at once.
// - start-first: a new task is started next to the old one; only when it is
//   stable does the old one get desired SHUTDOWN (so the slot never stops
//   serving). A slot whose new task failed keeps its old task.
// - Batches: at most `parallelism` slots (0 = all) are in flight; the next
//   batch starts `delay` after the last slot of the previous one became
//   stable (wake_at_ms tells the actor when to ask again).
// - Failures: when failed / attempted slots > max_failure_ratio the
//   failure_action applies: pause (status paused, nothing new starts),
//   continue, or rollback (a rollback_service is proposed; during a rollback
//   a failure pauses it instead). The rollback uses the `rollback` policy.
// - Only its own: a rollout judges only the tasks it started (created at or
//   after update_status.started_at) and so only by what happened after it
//   started them; a slot already on the target spec before (e.g. one a
//   paused update never touched, when that update is rolled back) counts as
//   updated and is never blamed for its earlier restarts or failures.
// - Jobs are never rolled out (a changed job simply runs again).
// - Done: no outdated slot left and nothing in flight -> completed (or
//   rolled_back). Paused and finished rollouts still stop old tasks whose
//   replacement became stable, and start nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe {

struct rollout_input {
  const pb::Service* service = nullptr;
  std::vector<const pb::Task*> tasks;  // every task of the service
  int64_t now_ms = 0;
};

struct rollout_start {
  uint32_t slot = 0;   // replicated
  std::string node;    // global
};

struct rollout_plan {
  std::vector<std::string> stop;      // task ids to set desired SHUTDOWN
  std::vector<rollout_start> start;   // slots (nodes) that get a new task
  bool has_status = false;            // status differs from the service's
  pb::UpdateStatus status;
  bool rollback = false;              // propose rollback_service
  std::string rollback_reason;
  int64_t wake_at_ms = 0;             // 0 = nothing to wait for
};

/// The next step of the service's rollout (empty when there is none).
rollout_plan plan_rollout(const rollout_input& in);

/// The changes a plan stands for; `create` makes the create_task change for
/// one slot (node) on the service's current spec.
std::vector<pb::Change> rollout_changes(
  const pb::Service& svc, const rollout_plan& plan,
  const std::function<pb::Change(const rollout_start&)>& create);

/// True when the spec asks for a health check.
bool has_health_check(const pb::ServiceSpec& spec);

/// True when the task is RUNNING with a process and, if its spec checks its
/// health, healthy: what `service ls` and the deploy wait count as running.
bool runs_healthy(const pb::Task& t);

/// The update state names as users see them ("updating", "paused", ...).
bool is_rolling_back(const pb::UpdateStatus& status);

} // namespace troupe
