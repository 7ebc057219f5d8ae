// Internals of the Raft simulation (see sim_cluster.hpp): the members with
// their storage and toy state machine, the in-flight messages, and the
// safety checker fed by every applied entry and every leader seen.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "actors/manager/raft/raft.hpp"
#include "tests/unit/raft/sim_cluster.hpp"

namespace troupe::raft::sim {

struct unsaved {
  int due;       // round the save completes
  ready rd;      // leader_messages already sent
  bool finished; // its messages, applies and reads are done
};

struct member {
  std::string id;
  std::unique_ptr<memory_storage> store = std::make_unique<memory_storage>();
  std::unique_ptr<raft_node> node;          // null while crashed
  std::vector<std::string> sm;              // applied application data
  uint64_t applied = 0, last_compact = 0;
  int restart_at = 0, restarts = 0;
  int group = 0;                            // partition group
  std::map<uint64_t, std::pair<uint64_t, std::string>> pending; // index -> (term, data)
  std::map<std::string, uint64_t> reads; // ctx -> last index applied anywhere
                                         // when the read began
  std::deque<unsaved> saving;            // taken, not yet durable (in order)
};

struct in_flight {
  int at;
  pb::RaftMessage m;
};

// Records what the members did and checks it as it happens.
class checker {
public:
  /// A member applied `e`: same index => same entry everywhere, in order.
  void applied(member& who, const pb::RaftEntry& e);
  /// A member restored `s`: its contents must be the committed prefix.
  void restored(member& who, const pb::RaftSnapshot& s);
  /// Called after every step of `who`: election safety, leader completeness.
  void observe(const member& who);
  /// A read was answered: it must not miss a write applied before it began.
  void read(member& who, const read_state& r);
  /// Logs agree on every entry up to the last (index, term) they share.
  void log_matching(const std::vector<member>& ms);
  /// After settling: every member applied exactly the committed sequence and
  /// every acknowledged proposal is in it.
  void final_state(const std::vector<member>& ms);
  void fail(std::string what) {
    if (violation.empty())
      violation = std::move(what);
  }

  std::string violation;
  std::map<uint64_t, pb::RaftEntry> committed; // applied by anyone
  std::map<uint64_t, std::string> leaders;     // term -> leader
  std::vector<std::string> acked;
  size_t reads = 0;
};

std::string encode(const std::vector<std::string>& sm);
std::vector<std::string> decode(const std::string& data);

} // namespace troupe::raft::sim
