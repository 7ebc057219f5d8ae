// The raft actor: a thin shell around raft::raft_node for one manager. It
// ticks the core on a timer, carries its messages to the peers' gateways
// (CAF remote actors, reconnected when a connection drops), and hands each
// ready batch to a raft_log_writer thread that owns raft.db: the SQLite
// write and fsync never run on a CAF scheduler thread, and batches queued
// while one is being saved share the next fsync (group commit). A batch's
// messages go out only once it is durable (a leader's appends and
// heartbeats may go at once: the core counts its own log only once saved);
// committed entries go to the store in order after that. It answers:
// - propose: on the leader, replies once the entry is committed and applied
//   by the local store; a follower forwards to the leader's gateway; with no
//   leader it fails at once ("no leader ..."); a leader that loses its
//   leadership fails the writes it had not confirmed;
// - read: the read index of a linearizable read (confirmed by a heartbeat
//   quorum), which the reader waits for in the store;
// - status, leader (for joins), compact (store snapshots), shutdown
//   (hands leadership to a caught-up peer first).
// It tells the node actor when this manager becomes or stops being leader.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/manager/raft/raft.hpp"
#include "actors/manager/raft/raft_log_db.hpp"
#include "actors/manager/raft/raft_log_writer.hpp"

namespace troupe {

struct raft_setup {
  std::string id;                          // this manager's name
  std::vector<pb::ManagerConfig> managers; // every manager, this one included
  std::shared_ptr<raft::raft_log_db> storage;
  uint64_t applied = 0;                    // what the store has applied
  int64_t tick_ms = 100;                   // = the heartbeat period
  int election_ticks = 10;                 // election timeout / tick
  bool threaded_writes = true;  // false: raft.db saved inline (test coordinator)
};

struct raft_state {
  static inline const char* name = "raft";
  raft_setup setup;
  std::unique_ptr<raft::raft_node> node;
  applier_actor store;
  node_actor parent;
  std::map<std::string, gateway_actor> peers;  // connected peer gateways
  std::set<std::string> connecting;
  struct pending_write {
    uint64_t term = 0;
    caf::typed_response_promise<uint64_t> promise;
  };
  std::map<uint64_t, pending_write> writes;  // by index
  std::map<std::string, caf::typed_response_promise<uint64_t>> reads;
  uint64_t next_read = 0;
  uint64_t applied = 0;
  bool leading = false;
  bool flush_pending = false;  // a flush message is on its way
  struct unsaved {
    uint64_t seq = 0;   // durable once the writer's durable() reaches it
    raft::ready rd;     // what is left to do then (messages, apply, reads)
  };
  std::deque<unsaved> saving; // taken from the core, in order
  struct unapplied {
    uint64_t seq = 0;  // applied once the writer's durable() reaches it
    std::vector<pb::RaftEntry> committed;
    std::vector<raft::read_state> read_states;
  };
  // Committed entries and reads, in order, apart from the saves: a
  // leader's committed entries are durable here already (it counts itself
  // towards a commit only after its fsync), so they do not wait behind the
  // save of newer proposals; a follower's wait for the batch that saved them.
  std::deque<unapplied> applying;
  std::unique_ptr<raft::raft_log_writer> writer; // owns raft.db from start
  std::string known_leader;
  // Why elections happen (logged on each change of role): when this member
  // last heard from the leader it follows, and the role it had.
  int64_t heard_leader_ms = 0;
  raft::role last_role = raft::role::follower;
  std::vector<caf::typed_response_promise<bool>> stop_waiters;
  int stop_ticks = 0;
};

raft_actor::behavior_type raft_member(probed_pointer<raft_actor, raft_state> self,
                                      raft_setup setup, applier_actor store,
                                      node_actor parent);

} // namespace troupe
