#include "actors/manager/service.hpp"

#include "actors/manager/core/reconciler.hpp"
#include "actors/manager/entry_filter.hpp"
#include "actors/manager/snapshot_round.hpp"

namespace troupe {

namespace {

std::string new_task_id(const pb::Service& svc, const std::string& slot) {
  return svc.spec().name() + "." + slot + "." + random_task_suffix();
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
    [=](atom::committed, const pb::Entry& entry) {
      auto scope = scope_of(entry);
      if (scope.nodes || scope.services.count(self->state.service) > 0)
        reconcile_round(self);
    },
    [=](atom::reconcile) { reconcile_round(self); },
  };
}

} // namespace troupe
