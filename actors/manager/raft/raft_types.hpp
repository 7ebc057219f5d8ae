// Plain value types shared by the Raft core, its storage and its driver:
// the configuration, the Ready batch the driver drains, read states, status
// and the error values of propose/read_index/transfer_leadership.
// Contract: no I/O, no CAF; everything here is copyable data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::raft {

constexpr uint32_t entry_normal = 0; // RaftEntry.type: application data
constexpr uint32_t entry_noop = 1;   // RaftEntry.type: a new leader's no-op

enum class role { follower, pre_candidate, candidate, leader };
const char* to_string(role r);

struct config {
  std::string id;                  // this manager's name
  std::vector<std::string> voters; // every manager, this one included (1, 3, 5)
  int election_ticks = 10;         // timeout drawn from [e, 2e)
  int heartbeat_ticks = 1;         // leader heartbeat period
  uint64_t seed = 1;               // seeds the election-timeout RNG
  size_t max_entries_per_msg = 64; // flow control of one append message:
  size_t max_bytes_per_msg = 1 << 20; // at most this much entry data in one
                                      // (one larger entry still goes alone)
  size_t max_inflight = 256;       // append messages with entries a leader
                                   // keeps in flight per follower (pipelining)
  size_t max_inflight_bytes = 4 << 20; // ... and at most this much entry data
                                       // (a slow follower is not flooded and
                                       // heartbeats do not queue behind MBs)
  int stalled_heartbeats = 5;      // heartbeats without progress after which
                                   // a follower's appends count as lost
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t applied = 0;            // restart: last index the app has applied
                                   // (0 = the storage snapshot's index)
};

/// A linearizable read may be served once the app has applied `index`.
struct read_state {
  uint64_t index = 0;
  std::string ctx;
};

/// One batch of work for the driver. `leader_messages` (a leader's appends
/// and heartbeats) may be sent at once, in parallel with the save. Then, in
/// this order: persist `compacted`, `snapshot`, `entries` and `hard_state`
/// durably (one raft_storage::save), call raft_node::persisted(stable_index,
/// stable_term), THEN send `messages`, THEN restore `snapshot` into the state
/// machine if set, apply `committed`, and serve `read_states` once applied.
/// A driver may take later batches before an earlier one is durable
/// (pipelining) as long as it saves and finishes them in the order taken.
struct ready {
  std::optional<pb::RaftSnapshot> snapshot;  // from the leader: install it
  std::optional<pb::RaftSnapshot> compacted; // local compact(): store it
  std::vector<pb::RaftEntry> entries;        // append; replaces >= first index
  std::optional<pb::RaftHardState> hard_state;
  std::vector<pb::RaftMessage> messages;        // send once durable
  std::vector<pb::RaftMessage> leader_messages; // may be sent before
  std::vector<pb::RaftEntry> committed;
  std::vector<read_state> read_states;
  uint64_t stable_index = 0; // the log end this batch makes durable
  uint64_t stable_term = 0;  // (0 when it has no entries nor snapshot)
  // False when the batch persists nothing its messages, applies or reads
  // depend on (only a new commit index, or a local compaction): the driver
  // still saves it in order but may finish it without waiting for that save
  // (its committed entries were made durable by earlier batches).
  bool wait_for_save = false;
  bool empty() const {
    return !snapshot && !compacted && entries.empty() && !hard_state
           && messages.empty() && leader_messages.empty() && committed.empty()
           && read_states.empty();
  }
  /// Does the batch have anything to persist?
  bool needs_save() const {
    return snapshot || compacted || !entries.empty() || hard_state;
  }
};

enum class error_code {
  none,
  no_leader,     // no known leader: retry later
  not_leader,    // another node leads: forward to leader_hint
  transferring,  // leadership transfer under way: retry shortly
  not_ready,     // leader has not committed in its term yet: retry shortly
  bad_argument,  // e.g. transfer to a non-member, compact beyond applied
};
const char* to_string(error_code e);

/// Outcome of propose/read_index/transfer_leadership/compact.
struct result {
  error_code error = error_code::none;
  std::string leader_hint; // set with not_leader
  uint64_t index = 0;      // propose: index of the new entry
  uint64_t term = 0;       // propose: its term (committed iff both match)
  bool ok() const { return error == error_code::none; }
};

struct peer_status {
  std::string id;
  uint64_t match_index = 0;
  uint64_t next_index = 0;
  bool recent_active = false; // heard from within the last election timeout
};

struct status {
  std::string id;
  role state = role::follower;
  uint64_t term = 0;
  std::string vote;
  std::string leader;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t first_index = 0;
  uint64_t last_index = 0;
  uint64_t snapshot_index = 0;
  std::vector<peer_status> peers; // leader only; empty otherwise
};

} // namespace troupe::raft
