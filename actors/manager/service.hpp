// The service actor: one per service, on the manager. Whenever an entry
// touches its service, its tasks or the nodes, it reads a snapshot, asks the
// reconciler what would close the gap between desired and actual, and
// proposes that as one entry, one round at a time. It quits once its service
// no longer exists.
#pragma once

#include <cstdint>
#include <string>

#include "actors/interfaces.hpp"
#include "actors/manager/round_gate.hpp"

namespace troupe {

struct service_state {
  static inline const char* name = "service";
  std::string service;
  store_actor store;
  round_gate gate;
  int64_t wake_at = 0;  // a rollout timer is set for this time (ms)
};

service_actor::behavior_type
service(probed_pointer<service_actor, service_state> self,
        std::string service_name, store_actor store);

} // namespace troupe
