#include "actors/manager/scheduler.hpp"

#include <algorithm>
#include <functional>
#include <tuple>

#include "actors/manager/core/cluster_state.hpp"
#include "actors/manager/core/placement.hpp"
#include "actors/manager/entry_filter.hpp"
#include "actors/manager/snapshot_round.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe {

namespace {

/// How long a round waits for a just-created service to create its tasks.
constexpr int64_t stack_wait_ms = 1000;
/// How soon a round that waited looks again.
constexpr auto wait_retry = std::chrono::milliseconds(50);

/// True if a service created less than stack_wait_ms ago has no task yet:
/// its actor is about to create them, and the services of one deploy are
/// placed together, in one order, whichever service actor proposed first.
bool a_new_service_has_no_tasks(const cluster_state& view, int64_t now) {
  for (const auto& [name, svc] : view.services())
    if (now - svc.created_at() < stack_wait_ms && view.tasks_of(name).empty())
      return true;
  return false;
}

/// The order pending tasks are placed in: older services first, then by
/// service name and slot. It depends only on the state, never on which
/// service actor's entry committed first, so the same inputs give the same
/// placements (the sim's seed relies on it).
struct placement_order {
  const cluster_state& view;
  bool operator()(const pb::Task* a, const pb::Task* b) const {
    auto key = [&](const pb::Task* t) {
      const auto* svc = view.find_service(t->service());
      return std::make_tuple(svc != nullptr ? svc->created_at() : 0,
                             std::cref(t->service()), t->slot(),
                             std::cref(t->id()));
    };
    return key(a) < key(b);
  }
};

/// Assignments worth proposing: placements, and reasons that changed.
pb::Entry decide(const cluster_state& view) {
  placement_input in;
  in.volumes = &view.volumes();
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
  pb::Entry entry;
  if (in.pending.empty())
    return entry;
  std::sort(in.pending.begin(), in.pending.end(), placement_order{view});
  for (auto& a : place(in)) {
    auto task = view.find_task(a.task_id());
    if (a.node().empty() && task != nullptr && task->message() == a.message())
      continue; // same reason as before: nothing new to say
    *entry.add_changes()->mutable_assign_task() = std::move(a);
  }
  return entry;
}

void schedule_round(probed_pointer<scheduler_actor, scheduler_state> self) {
  snapshot_round(self, "scheduler", [=](const cluster_state& view) {
    if (a_new_service_has_no_tasks(view, unix_now_ms())) {
      self->delayed_send(self, wait_retry, atom::schedule_v);
      return pb::Entry{};
    }
    return decide(view);
  });
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
      if (scope.new_tasks || scope.nodes || scope.task_ends || scope.desired
          || scope.volumes)
        schedule_round(self);
    },
    [=](atom::schedule) { schedule_round(self); },
  };
}

} // namespace troupe
