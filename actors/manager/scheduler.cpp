#include "actors/manager/scheduler.hpp"

#include <algorithm>

#include "actors/manager/core/cluster_state.hpp"
#include "actors/manager/core/placement.hpp"
#include "actors/manager/entry_filter.hpp"
#include "actors/manager/snapshot_round.hpp"

namespace troupe {

namespace {

/// Assignments worth proposing: placements, and reasons that changed.
pb::Entry decide(const cluster_state& view) {
  placement_input in;
  for (const auto& [name, node] : view.nodes())
    in.nodes.push_back(&node);
  for (const auto& [id, task] : view.tasks()) {
    if (is_terminal(task.state()))
      continue;
    if (task.state() == pb::PENDING && task.desired_state() == pb::RUNNING)
      in.pending.push_back(&task);
    else if (task.state() >= pb::ASSIGNED)
      in.live_tasks.push_back(&task);
  }
  std::stable_sort(in.pending.begin(), in.pending.end(),
                   [](const pb::Task* a, const pb::Task* b) {
                     return a->created_at() < b->created_at();
                   });
  pb::Entry entry;
  if (in.pending.empty())
    return entry;
  for (auto& a : place(in)) {
    auto task = view.find_task(a.task_id());
    if (a.node().empty() && task != nullptr && task->message() == a.message())
      continue; // same reason as before: nothing new to say
    *entry.add_changes()->mutable_assign_task() = std::move(a);
  }
  return entry;
}

void schedule_round(probed_pointer<scheduler_actor, scheduler_state> self) {
  snapshot_round(self, "scheduler", decide);
}

} // namespace

scheduler_actor::behavior_type
scheduler(probed_pointer<scheduler_actor, scheduler_state> self,
          store_actor store) {
  self->state.store = std::move(store);
  self->send(self, atom::schedule_v);
  return {
    [=](atom::committed, const pb::Entry& entry) {
      auto scope = scope_of(entry);
      if (scope.new_tasks || scope.nodes || scope.task_ends || scope.desired)
        schedule_round(self);
    },
    [=](atom::schedule) { schedule_round(self); },
  };
}

} // namespace troupe
