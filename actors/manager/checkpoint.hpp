// The checkpoint writer: the store's state.db on a thread of its own (the
// store spawns it detached), so SQLite transactions never run on the store
// or on CAF's shared scheduler threads. One request = one transaction: the
// objects a batch of entries touched, as the view of the batch's last
// index holds them (state_db.hpp). When asked, it also serializes the view
// for Raft compaction, off the store's thread too.
#pragma once

#include <memory>

#include "actors/interfaces.hpp"
#include "actors/manager/core/state_db.hpp"

namespace troupe {

struct checkpoint_state {
  static inline const char* name = "checkpoint";
  std::shared_ptr<state_db> db;
};

checkpoint_actor::behavior_type
checkpoint_writer(probed_pointer<checkpoint_actor, checkpoint_state> self,
                  std::shared_ptr<state_db> db);

} // namespace troupe
