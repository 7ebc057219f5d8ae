// The store actor: the only writer of cluster state. Proposals go through
// the manager's raft member; committed entries come back in index order and
// are applied to memory (cluster_state), then sent to every listener (and,
// with the keys the entry touched, to every change listener; an installed
// snapshot reaches those as an empty entry that touched everything). A
// proposer's reply comes once its entry is applied here, so a read after it
// includes the change. The Raft log, fsynced before an entry commits, is what
// makes it durable: state.db is a checkpoint, written in batches (one
// transaction per `checkpoint_batch` entries or `checkpoint_interval`) by a
// checkpoint writer (checkpoint.hpp) from an immutable view, off the store's
// thread. After a crash the store loads the checkpoint and the raft member
// hands it the committed entries above the checkpoint's index again. A
// failed checkpoint ends the store with the error (nothing acknowledged is
// lost: it is in the Raft log). Readers get state_views (O(1), never a
// copy). Every `snapshot_every` entries a checkpoint also serializes the
// state for raft to compact its log.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/manager/core/cluster_state.hpp"
#include "actors/manager/core/state_db.hpp"

namespace troupe {

struct store_options {
  /// Run the checkpoint writer on its own thread (false in deterministic
  /// actor tests, where every actor runs on the test's thread).
  bool detached_checkpoint = true;
  size_t checkpoint_batch = 512;
  std::chrono::milliseconds checkpoint_interval{100};
  uint64_t snapshot_every = 1000;
};

struct store_state {
  static inline const char* name = "store";
  cluster_state state;
  store_options options;
  raft_actor raft;
  checkpoint_actor checkpoint;
  std::vector<listener_actor> listeners;  // every entry
  std::vector<change_listener_actor> change_listeners;  // every entry, with its keys
  // Listeners of one service's entries (and of node changes), by service.
  std::map<std::string, std::vector<listener_actor>> service_listeners;
  uint64_t last_snapshot = 0;
  // Applied since the last checkpoint began, and whether one is running.
  touched_keys unsaved;
  size_t unsaved_entries = 0;
  bool checkpointing = false;
  bool flush_scheduled = false;
  // Linearizable reads waiting for an index to be applied.
  std::multimap<uint64_t, caf::typed_response_promise<state_view>>
    waiting_reads;
};

/// `db` is open; the store loads it on start and hands it to its
/// checkpoint writer.
store_actor::behavior_type store(probed_pointer<store_actor, store_state> self,
                                 std::shared_ptr<state_db> db,
                                 store_options options);

} // namespace troupe
