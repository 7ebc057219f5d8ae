// The API actor: serves a node's ZeroMQ ROUTER socket. Each frame is one
// serialized pb::Request; reads are linearizable: the raft member confirms a
// read index with a quorum, and the store answers once it has applied it.
// Writes are checked (queries.hpp) against such a read and proposed (a
// follower's raft forwards them to the leader); logs are fetched through the
// leader's dispatcher, and `troupe exec` rounds go through it to the task's
// node; `cluster status` comes from the raft member; `system df|prune` from the
// node's own agent (disk_job.hpp). Every request gets exactly one pb::Response; bad
// bytes get an error response and change nothing. Requests are held to the
// socket's input_limits (queries.hpp). The socket belongs to its own I/O
// thread (api_socket.hpp), which wakes the actor when requests arrive: the
// actor never polls.
#pragma once

#include <memory>

#include "actors/interfaces.hpp"
#include "actors/node/api_socket.hpp"
#include "actors/observe/introspection.hpp"

namespace troupe {

struct api_state {
  static inline const char* name = "api";
  std::shared_ptr<api_socket> zmq;
  store_actor store;
  dispatcher_actor dispatcher;
  raft_actor raft;
  agent_actor agent;  // null on a manager-only node (system df/prune)
  std::vector<observe::pending_trace> traces;  // console traces running
};

api_actor::behavior_type api(probed_pointer<api_actor, api_state> self,
                             std::shared_ptr<api_socket> zmq, store_actor store,
                             dispatcher_actor dispatcher, raft_actor raft);

} // namespace troupe
