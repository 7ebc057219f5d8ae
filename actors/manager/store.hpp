// The store actor: the only writer of cluster state. Each proposal becomes
// one entry, applied to memory (cluster_state) and written to SQLite in one
// transaction, then sent to every listener in index order. If the write
// fails, the store reloads what is on disk and the proposer gets the error:
// nothing is acknowledged that is not durable.
#pragma once

#include <memory>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/manager/core/cluster_state.hpp"
#include "actors/manager/core/state_db.hpp"

namespace troupe {

struct store_state {
  static inline const char* name = "store";
  cluster_state state;
  std::shared_ptr<state_db> db;
  std::vector<listener_actor> listeners;
};

/// `db` is open; the store loads it on start.
store_actor::behavior_type store(store_actor::stateful_pointer<store_state> self,
                                 std::shared_ptr<state_db> db);

} // namespace troupe
