// The gateway: a manager's door for other processes, published with CAF's
// middleman on the manager's cluster address. Workers join through it: the
// join token is checked (a wrong one is refused with a clear error, and the
// manager logs who was refused), then the join goes to the dispatcher and
// the worker gets the dispatcher's handle to report to.
#pragma once

#include <string>

#include "actors/interfaces.hpp"

namespace troupe {

struct gateway_state {
  static inline const char* name = "gateway";
  std::string cluster;     // cluster name, for messages
  std::string join_token;  // "" = any worker may join
  dispatcher_actor dispatcher;
};

gateway_actor::behavior_type
gateway(gateway_actor::stateful_pointer<gateway_state> self, std::string cluster,
        std::string join_token, dispatcher_actor dispatcher);

} // namespace troupe
