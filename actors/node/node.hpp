// The node actor: the root of a troupe process. For its role it spawns the
// manager side (store, raft, scheduler, dispatcher, one service actor per
// service, api; a manager also publishes its gateway on its cluster address)
// and/or
// the worker side (agent, which spawns the supervisor and task actors), and
// supervises them. Scheduler and service actors run only while this manager
// is the Raft leader. A service actor or the scheduler that fails is respawned;
// a failure of the store, dispatcher, api, gateway or agent ends the node
// with that error (the process then exits non-zero).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/interfaces.hpp"
#include "actors/manager/core/state_db.hpp"
#include "actors/manager/raft_actor.hpp"
#include "actors/node/api.hpp"
#include "actors/observe/events.hpp"
#include "actors/worker/agent.hpp"
#include "runtime/driver.hpp"

namespace troupe {

/// What run_agent prepared for the node: everything that could fail at
/// start-up is already open, so the actors start from a known-good setup.
struct node_setup {
  std::string role;                    // standalone | manager | worker
  pb::Node record;                     // this node
  // Manager side (standalone, manager):
  std::shared_ptr<state_db> db;
  raft_setup raft;                     // storage open, managers listed
  std::shared_ptr<api_socket> api;     // bound socket
  pb::Timings timings;
  std::string cluster;                 // cluster name
  std::string join_token;
  std::string cluster_address;         // manager: host:port to publish on
  // Worker side (standalone, worker):
  std::map<std::string, std::shared_ptr<driver>> drivers;
  std::string tasks_dir;
  std::string images_dir;              // the oci driver's image layout, "" without it
  upstream_config upstream;            // worker: managers to join
  // Events (standalone, manager): the bound PUB socket.
  std::shared_ptr<observe::events_socket> events;
  // Routing mesh (every node): where published ports listen.
  std::string ingress_host = "0.0.0.0";
  std::string dns_address = "127.0.0.1:5380";  // DNS responder ("off" = none)
  // Called on the node's thread when this manager starts (true) or stops
  // leading (troupe sim: which manager kill-leader ends). May be empty.
  std::function<void(bool)> on_leadership;
};

struct node_state {
  static inline const char* name = "node";
  node_setup setup;
  store_actor store;
  raft_actor raft;
  bool leading = false;
  scheduler_actor scheduler;
  dispatcher_actor dispatcher;
  agent_actor agent;
  api_actor api;
  gateway_actor gateway;
  events_actor events;
  mesh_actor mesh;
  std::map<std::string, service_actor> services;
};

node_actor::behavior_type node(probed_pointer<node_actor, node_state> self,
                               node_setup setup);

} // namespace troupe
