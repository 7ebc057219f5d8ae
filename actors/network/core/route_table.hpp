// The routing table of the mesh, computed from the committed state: for
// every tcp port of every service that is published or has a VIP (vip.hpp),
// the tasks that may receive new connections. A task is an endpoint while it
// is RUNNING with a process (pid ≠ 0), desired RUNNING, not failing its
// health check ("" or "healthy"), has a host port for the port's name, and
// its node is ready. Pure: the same state gives the same table, sorted by
// published port, service and port name, endpoints by task id, so tables can
// be compared by their bytes.
#pragma once

#include <string>

#include "actors/manager/core/cluster_state.hpp"
#include "messages/troupe.pb.h"

namespace troupe::network {

/// Whether `task` on `node` may receive new connections on `port_name`.
bool is_endpoint(const pb::Task& task, const pb::Node* node,
                 const std::string& port_name);

/// The whole table from the whole state (every service with ports and its
/// tasks): the reference that route_book's per-service deltas add up to.
/// Readers that follow entries use route_book instead.
pb::RouteTable routes_from(const cluster_state& state);

/// The routes of one service (the `service endpoints` answer).
pb::RouteTable routes_of(const cluster_state& state, const std::string& service);

/// Sorts routes by published port, service and port name.
void sort_routes(pb::RouteTable* table);

/// Applies `update` to `table`: a full one replaces it; a delta replaces
/// the routes of the services it lists by its routes. The caller checks
/// that a delta's base_index is the table's index.
void apply_route_update(pb::RouteTable& table, const pb::RouteTable& update);

/// The table's routes without its index (nor full / base_index): equal
/// for equal routes.
std::string fingerprint(const pb::RouteTable& table);

} // namespace troupe::network
