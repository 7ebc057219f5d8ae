// The gateway: a manager's door for other processes, published with CAF's
// middleman on the manager's cluster address. Workers join through it: the
// join token is checked (a wrong one is refused with a clear error, and the
// manager logs who was refused), then the join goes to the leader's
// dispatcher (through the leader's gateway if this manager follows) and the
// worker gets that dispatcher's handle to report to. Peer managers send it
// Raft messages and forwarded writes, which it hands to the raft member.
#pragma once

#include <string>

#include "actors/interfaces.hpp"

namespace troupe {

struct gateway_state {
  static inline const char* name = "gateway";
  std::string cluster;     // cluster name, for messages
  std::string join_token;  // "" = any worker may join
  dispatcher_actor dispatcher;
  raft_actor raft;
};

gateway_actor::behavior_type
gateway(probed_pointer<gateway_actor, gateway_state> self, std::string cluster,
        std::string join_token, dispatcher_actor dispatcher, raft_actor raft);

} // namespace troupe
