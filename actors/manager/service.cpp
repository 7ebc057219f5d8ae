#include "actors/manager/service.hpp"

#include <chrono>

#include "actors/manager/core/reconciler.hpp"
#include "actors/manager/core/rollout.hpp"
#include "actors/manager/snapshot_round.hpp"
#include "config/service_mode.hpp"
#include "runtime/wall_clock.hpp"

namespace troupe {

namespace {

std::string new_task_id(const pb::Service& svc, const std::string& slot) {
  return svc.spec().name() + "." + slot + "." + random_task_suffix();
}

// The rolling-update step (rollout.hpp) and its timer: the planner says
// when to look again (monitor period, delay between batches).
void plan_rollout_step(probed_pointer<service_actor, service_state> self,
                       const pb::Service& svc, const reconcile_input& in,
                       pb::Entry& entry) {
  rollout_input r;
  r.service = &svc;
  r.tasks = in.tasks;
  r.now_ms = in.now_ms;
  auto plan = plan_rollout(r);
  auto create = [&](const rollout_start& s) {
    bool global = is_global_mode(svc.spec());
    return create_task_change(
      svc, s.slot, s.node,
      new_task_id(svc, global ? s.node : std::to_string(s.slot)), in.now_ms);
  };
  for (auto& c : rollout_changes(svc, plan, create))
    *entry.add_changes() = std::move(c);
  auto& wake = self->state.wake_at;
  if (plan.wake_at_ms > 0 && (wake <= in.now_ms || plan.wake_at_ms < wake)) {
    wake = plan.wake_at_ms;
    auto wait = std::max<int64_t>(plan.wake_at_ms - in.now_ms, 1) + 10;
    self->delayed_send(self, std::chrono::milliseconds(wait),
                       atom::reconcile_v);
  }
}

void reconcile_round(probed_pointer<service_actor, service_state> self) {
  snapshot_round(self, "service " + self->state.service,
                 [self](const cluster_state& view) {
                   pb::Entry entry;
                   auto svc = view.find_service(self->state.service);
                   if (svc == nullptr) {
                     self->quit(); // the service was removed
                     return entry;
                   }
                   reconcile_input in;
                   in.service = svc;
                   in.tasks = view.tasks_of(self->state.service);
                   in.now_ms = unix_now_ms();
                   size_t running = 0;
                   for (const auto* t : in.tasks)
                     running += t->state() == pb::RUNNING
                                && t->desired_state() == pb::RUNNING;
                   observe::set_summary(
                     self, "desired " + std::to_string(svc->spec().replicas())
                             + ", running " + std::to_string(running));
                   for (const auto& [name, node] : view.nodes())
                     in.nodes.push_back(&node);
                   for (auto& c : reconcile(in, new_task_id))
                     *entry.add_changes() = std::move(c);
                   plan_rollout_step(self, *svc, in, entry);
                   return entry;
                 });
}

} // namespace

service_actor::behavior_type
service(probed_pointer<service_actor, service_state> self,
        std::string service_name, store_actor store) {
  self->state.service = std::move(service_name);
  self->state.store = std::move(store);
  observe::describe(self, observe::actor_kind::service,
                    "service/" + self->state.service);
  self->send(self, atom::reconcile_v);
  return {
    // The store sends only entries that touched this service, its tasks
    // or a node (its per-service feed).
    [=](atom::committed, const pb::Entry&) { reconcile_round(self); },
    [=](atom::reconcile) { reconcile_round(self); },
  };
}

} // namespace troupe
