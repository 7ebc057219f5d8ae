// The scheduler actor: when tasks are created, nodes change or tasks end
// (freeing resources), it reads a snapshot, asks the placement core where the
// pending tasks go, and proposes the assignments (or, for tasks that fit
// nowhere, the plain-words reason) as one entry, one round at a time.
// Placement is deterministic given the state: pending tasks go in the order
// (service created_at, service, slot), and a round waits (at most 1 s) while
// a just-created service has no tasks yet, so one deploy's services are
// placed together.
#pragma once

#include "actors/interfaces.hpp"
#include "actors/manager/round_gate.hpp"

namespace troupe {

struct scheduler_state {
  static inline const char* name = "scheduler";
  store_actor store;
  round_gate gate;
};

scheduler_actor::behavior_type
scheduler(probed_pointer<scheduler_actor, scheduler_state> self,
          store_actor store);

} // namespace troupe
