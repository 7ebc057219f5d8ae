// The routing mesh of one node: keeps one load balancer (load_balancer.hpp)
// per published port of the route table, listening on the node's ingress
// address, and one per VIP, listening on 127.0.0.1, and hands each its
// endpoints when they change. It also tells the node's DNS responder (if
// any) the table; it starts that responder itself on `dns_address`
// ("off" = none; a busy address is reported and DNS stays off). On a manager it
// follows its own store's change feed: only the services an entry touched
// get their routes recomputed (route_book.hpp), and only the balancers of
// services whose routes changed hear of it; on a worker the agent hands it
// the dispatcher's tables (whole, or per-service deltas).
// A port that cannot be opened is reported once and retried with the next
// table, and every `refused_retry` while one is refused (so it opens, and its
// error clears, once the process holding it lets go); a load balancer that fails is started again. A published port that
// cannot be opened (or opens again after that) is reported upstream as a
// PortStatus: proposed through the store on a manager, handed to the agent
// (which sends it to the dispatcher) on a worker; it shows on the service.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "actors/interfaces.hpp"
#include "actors/manager/round_gate.hpp"
#include "actors/network/core/route_book.hpp"

namespace troupe {

/// How often listeners that could not open are tried again.
constexpr auto refused_retry = std::chrono::seconds(2);

struct mesh_state {
  static inline const char* name = "mesh";
  std::string ingress_host;                 // e.g. "0.0.0.0"
  std::string node;                         // this node's name
  store_actor store;                        // null on workers
  agent_actor agent;                        // null on managers
  round_gate gate;
  pb::RouteTable table;                     // the table being served
  std::string fingerprint;                  // of the last whole table ("" after a delta)
  network::route_book routes;               // managers: the routes, per service
  touched_keys touched;                     // managers: by the entries since the last round
  std::string vip_host = "127.0.0.1";
  std::map<std::string, caf::actor> balancers; // "host:port" -> its balancer
  std::map<std::string, std::string> owners;   // "host:port" -> service/port
  std::map<std::string, std::string> refused;  // listeners that could not open
  std::map<std::string, std::string> reported; // published "host:port" -> error told upstream
  bool retry_scheduled = false;                // a retry of the refused ones is due
  caf::actor dns;                              // the DNS responder, or null
  std::set<caf::actor_addr> children;          // balancers and DNS, ever started
};

mesh_actor::behavior_type mesh(probed_pointer<mesh_actor, mesh_state> self,
                               std::string ingress_host, std::string node,
                               store_actor store, agent_actor agent,
                               std::string dns_address);

} // namespace troupe
