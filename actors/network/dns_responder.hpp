// The DNS responder of one node: answers A and SRV queries for the services'
// VIPs (core/dns_answer.hpp) on a UDP socket (NodeConfig.dns_address,
// default 127.0.0.1:5380). The mesh hands it each new route table
// (atom::route). It runs detached: each atom::tick waits up to 50ms for
// packets, answers every queued one, and ticks again, so a new table is
// served within 50ms. Malformed packets get FORMERR or nothing.
#pragma once

#include <cstdint>
#include <string>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/observe/probe.hpp"
#include "actors/network/core/dns_answer.hpp"

namespace troupe {

struct dns_state {
  static inline const char* name = "dns";
  int fd = -1;
  network::dns_names names;
  uint64_t answered = 0;
  uint64_t ignored = 0;
  ~dns_state();
};

using dns_pointer = caf::stateful_actor<dns_state, observe::probed<caf::event_based_actor>>*;

/// Serves `fd` (a bound UDP socket, owned from now on).
caf::behavior dns_responder(dns_pointer self, int fd);

} // namespace troupe
