// The store actor: the only writer of cluster state. Proposals go through
// the manager's raft member; committed entries come back in index order and
// are applied to memory (cluster_state) and SQLite in one transaction each,
// then sent to every listener. A proposer's reply comes once its entry is
// applied here, so a snapshot read after it includes the change. If a write
// fails, the store reloads what is on disk and ends with the error (the raft
// member will hand the entry again after a restart): nothing is acknowledged
// that is not durable. Every `snapshot_every` entries it hands a snapshot of
// its state to raft so the log can be compacted.
#pragma once

#include <map>
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
  raft_actor raft;
  std::vector<listener_actor> listeners;
  uint64_t last_snapshot = 0;
  uint64_t snapshot_every = 1000;
  // Linearizable reads waiting for an index to be applied.
  std::multimap<uint64_t, caf::typed_response_promise<pb::ClusterSnapshot>>
    waiting_reads;
};

/// `db` is open; the store loads it on start.
store_actor::behavior_type store(probed_pointer<store_actor, store_state> self,
                                 std::shared_ptr<state_db> db);

} // namespace troupe
