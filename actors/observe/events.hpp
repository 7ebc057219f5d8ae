// The events actor of a manager or standalone node: keeps its own replica of
// the cluster state (subscribed to the store, started from its snapshot),
// turns each committed entry into events (core/event_derive.hpp), adds events
// not caused by entries (leader changes seen by polling the raft member; actor
// kills via publish), numbers them (seq, per process), keeps the last
// `history` of them for `troupe events --since`, and sends each on its ZeroMQ
// PUB socket as two frames: the type (a subscription prefix) and the
// serialized pb::Event. The same poll keeps the raft and task-state gauges of
// metrics_families.hpp current. Runs detached: the socket stays on its thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "actors/interfaces.hpp"
#include "actors/observe/core/event_derive.hpp"

namespace troupe::observe {

/// The PUB socket, bound by the caller (so a busy port is a start-up error).
struct events_socket {
  zmq::context_t context;
  zmq::socket_t socket{context, zmq::socket_type::pub};
  std::string address;   // host:port it is bound to
};

struct events_state {
  static inline const char* name = "events";
  std::shared_ptr<events_socket> pub;
  store_actor store;
  raft_actor raft;
  event_source source;
  bool synced = false;                 // the store's snapshot arrived
  std::vector<pb::Entry> early;        // entries before the snapshot
  std::deque<pb::Event> history;
  size_t history_limit = 10000;
  uint64_t seq = 0;
  std::string leader;                  // as last seen ("" = none)
  uint64_t term = 0;
  uint64_t commit = 0;
  bool polling = false;
};

events_actor::behavior_type events(probed_pointer<events_actor, events_state> self,
                                   std::shared_ptr<events_socket> pub,
                                   store_actor store, raft_actor raft);

/// Events in `history` with time >= since and seq > after_seq, oldest first.
std::vector<pb::Event> events_since(const std::deque<pb::Event>& history,
                                    int64_t since, uint64_t after_seq);

/// Publishes an event through the events actor registered in `sys` (no-op
/// on a node without one, e.g. a worker).
void publish_event(caf::actor_system& sys, pb::Event event);

/// The events actor registered in `sys` (invalid if none).
events_actor events_of(caf::actor_system& sys);

} // namespace troupe::observe
