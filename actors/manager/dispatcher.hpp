// The dispatcher: the manager's side of the worker protocol. Workers join
// with their node record and agent handle (proposed as put_node); each node
// is sent its full assignment list whenever the tasks or desired states on it
// change (only the nodes an entry concerns are looked at: the tasks it
// assigned, shut down or ended, found through the tasks-by-node index); worker status reports are collected for a few milliseconds and
// proposed as one entry. A worker whose agent goes away (its connection
// drops), or that misses `down_after` heartbeats in a row, is marked down.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/manager/core/liveness.hpp"
#include "actors/manager/round_gate.hpp"

namespace troupe {

struct dispatcher_state {
  static inline const char* name = "dispatcher";
  store_actor store;
  round_gate gate;
  std::map<std::string, agent_actor> agents;        // node name -> agent
  std::map<std::string, std::string> last_sent;     // node name -> fingerprint
  std::map<std::string, std::string> routes_sent;   // node name -> route fingerprint
  std::vector<pb::TaskStatus> pending_statuses;
  // Since the last round: tasks whose node's assignments may have changed,
  // or true when every node's may have (stacks, nodes).
  std::vector<std::string> dirty_tasks;
  bool all_dirty = true;
  std::vector<pb::PortStatus> pending_ports;     // from the workers' meshes
  bool flush_scheduled = false;
  int64_t heartbeat_ms = 1000;
  node_liveness liveness{1000, 3};
};

dispatcher_actor::behavior_type
dispatcher(probed_pointer<dispatcher_actor, dispatcher_state> self,
           store_actor store, int64_t heartbeat_ms, uint32_t down_after);

} // namespace troupe
