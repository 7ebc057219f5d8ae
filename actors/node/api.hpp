// The API actor: serves a node's ZeroMQ ROUTER socket. Each frame is one
// serialized pb::Request; reads are linearizable: the raft member confirms a
// read index with a quorum, and the store answers once it has applied it.
// Writes are checked (queries.hpp) against such a read and proposed (a
// follower's raft forwards them to the leader); logs are fetched through the
// dispatcher; `cluster status` comes from the raft member. Every request gets exactly one pb::Response; bad
// bytes get an error response and change nothing. Runs detached: it blocks
// on its socket for short polls between messages.
#pragma once

#include <memory>

#include <zmq.hpp>

#include "actors/interfaces.hpp"
#include "actors/observe/introspection.hpp"

namespace troupe {

/// The socket, bound by the caller (so a busy port is reported at start).
struct api_socket {
  zmq::context_t context;
  zmq::socket_t socket{context, zmq::socket_type::router};
};

struct api_state {
  static inline const char* name = "api";
  std::shared_ptr<api_socket> zmq;
  store_actor store;
  dispatcher_actor dispatcher;
  raft_actor raft;
  int in_flight = 0;  // requests read and not yet answered
  std::vector<observe::pending_trace> traces;  // console traces running
};

api_actor::behavior_type api(probed_pointer<api_actor, api_state> self,
                             std::shared_ptr<api_socket> zmq, store_actor store,
                             dispatcher_actor dispatcher, raft_actor raft);

} // namespace troupe
