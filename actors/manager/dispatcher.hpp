// The dispatcher: the manager's side of the worker protocol. Workers join
// with their node record and agent handle (proposed as put_node). Each
// worker gets its assignments as deltas: the dispatcher remembers what it
// sent each one (core/assignment_book.hpp) and, from the task ids the
// committed entries touched (the store's change feed), sends only the tasks
// added or changed and the ids that left, on top of the last list's index.
// Routes go the same way: recomputed only for the services the entries
// touched (network/core/route_book.hpp), sent as per-service deltas. A
// worker that joins or re-joins, or asks for a resync (a delta did not fit
// what it holds), gets both in full. Work per entry is proportional to what
// it touched, not to the tasks on a node. Worker status reports are
// collected for a few milliseconds and proposed as one entry. A worker that
// misses `down_after` heartbeats in a row is marked down; one whose agent
// goes away (its connection drops) is only forgotten until it joins again
// (its tasks run on under their shims): marked down if that takes longer.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/manager/core/assignment_book.hpp"
#include "actors/manager/core/liveness.hpp"
#include "actors/manager/round_gate.hpp"
#include "actors/network/core/route_book.hpp"

namespace troupe {

struct dispatcher_state {
  static inline const char* name = "dispatcher";
  store_actor store;
  round_gate gate;
  std::map<std::string, agent_actor> agents;        // node name -> agent
  assignment_book sent;                             // what each worker was last sent
  network::route_book routes;                       // the routes, per service
  std::map<std::string, uint64_t> routes_sent;      // node -> index of its table (absent: send it whole)
  touched_keys touched;                             // by the entries since the last round
  std::vector<pb::TaskStatus> pending_statuses;
  std::vector<pb::PortStatus> pending_ports;     // from the workers' meshes
  bool flush_scheduled = false;
  int64_t heartbeat_ms = 1000;
  node_liveness liveness{1000, 3};
  std::string own_node;  // a standalone node's own worker: never watched
                         // (its agent lives here and cannot miss a heartbeat)
};

dispatcher_actor::behavior_type
dispatcher(probed_pointer<dispatcher_actor, dispatcher_state> self,
           store_actor store, int64_t heartbeat_ms, uint32_t down_after,
           std::string own_node);

} // namespace troupe
