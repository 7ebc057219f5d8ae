// A load balancer: one CAF broker per published port on every node (the
// ingress routing mesh). It accepts TCP connections on a listening socket it
// is given and forwards each, byte for byte, to one endpoint of its route —
// a task on any node — chosen by the route's policy (balancer.hpp).
//
// - A backend that cannot be reached, or closes before sending a single byte
//   back, is replaced by another endpoint and the client's bytes so far (at
//   most replay_limit) are sent again: a task that stops or fails while a
//   connection is starting costs the client nothing.
// - New routes (atom::route) change where new connections go; open
//   connections stay where they are until either side closes.
// - Backpressure: when one side's unsent bytes pass high_water, the broker
//   stops reading the other side until they drain below low_water. A slow,
//   idle, half-closing or resetting client affects only its own connection.
// - Half-close: a client that shuts down its write side still gets the
//   reply. CAF closes a scribe at end of input, so the broker keeps a dup()
//   of each client socket: on the client's EOF it passes the FIN on to the
//   backend (once the backend got every byte) and writes the reply through
//   a new, write-only scribe on the dup.
// - PROXY protocol (route.proxy_protocol "v1"/"v2"): each backend connection
//   starts with HAProxy's header carrying the client's address.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/io/broker.hpp>

#include "actors/interfaces.hpp"
#include "actors/network/core/balancer.hpp"
#include "actors/network/lb_metrics.hpp"

namespace troupe {

struct lb_connection {
  caf::io::connection_handle peer;  // the other side of the pair
  bool client = false;              // this side is the client's
  std::string backend;              // endpoint key (both sides)
  std::set<std::string> tried;      // client side: endpoints that failed
  std::vector<char> sent;           // client side: bytes to replay on retry
  bool answered = false;            // client side: the backend sent a byte
  bool halted = false;              // reading is paused (peer's backlog)
  int spare_fd = -1;                // client side: dup() of its socket
  bool write_only = false;          // client side: reopened after its EOF
  uint64_t unsent = 0;              // bytes written here, not yet sent
  bool fin_when_drained = false;    // backend side: shutdown(WR) at unsent 0
  std::string proxy_header;         // client side: PROXY header for its backends
};

struct lb_state {
  static inline const char* name = "load_balancer";
  pb::Route route;
  network::balancer balancer;
  std::map<caf::io::connection_handle, lb_connection> conns;
  uint64_t accepted = 0;
  uint64_t failed = 0;       // clients closed because no endpoint answered
  uint64_t bytes_in = 0;     // client → backend
  uint64_t bytes_out = 0;    // backend → client
  network::lb_metrics metrics;
};

using lb_pointer = caf::stateful_actor<lb_state, observe::probed<caf::io::broker>>*;

/// Serves `listen_fd` (bound and listening on `listen_port`: the route's
/// published port or VIP) for `route`.
caf::behavior load_balancer(lb_pointer self, int listen_fd, pb::Route route,
                            uint32_t listen_port);

} // namespace troupe
