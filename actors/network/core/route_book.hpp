// The route table kept per service, so that a committed entry costs only
// the services it touched: their routes are recomputed from the view
// (route_table.hpp's rules) and compared with what the book held; what
// changed comes out as a delta (pb::RouteTable with full = false: the
// services recomputed and their routes). Used by the dispatcher (deltas for
// the workers) and by the managers' meshes (which follow their own store).
//
// A service's routes depend on its spec (ports, VIPs), its tasks and the
// nodes those run on; services_touched() maps an entry's touched keys to
// those services. A deleted task needs nothing: it was terminal, so it was
// no endpoint. Pure: no CAF, no I/O.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/manager/core/cluster_state.hpp"
#include "messages/troupe.pb.h"

namespace troupe::network {

/// The services whose routes `touched` (applied, as of `view`) may change:
/// the touched services, those of the touched tasks, and those with a
/// running task on a touched node.
std::set<std::string> services_touched(const cluster_state& view,
                                       const touched_keys& touched);

class route_book {
public:
  /// Recomputes the routes of `services` at `view`; returns the delta of
  /// those whose routes changed (no services: nothing did).
  pb::RouteTable update(const cluster_state& view,
                        const std::set<std::string>& services);
  /// Recomputes every service (the first time): the delta, as update().
  pb::RouteTable rebuild(const cluster_state& view);
  /// What a reader following a change feed calls after entries that
  /// touched `touched` (as of `view`): rebuild() the first time, then
  /// update() of the services_touched().
  pb::RouteTable follow(const cluster_state& view, const touched_keys& touched);

  /// The whole table, sorted as routes_from() sorts it (full = true).
  pb::RouteTable table(uint64_t index) const;

  /// Services recomputed by the last update() or rebuild() (for tests).
  size_t recomputed() const { return recomputed_; }

private:
  struct service_routes {
    std::vector<pb::Route> routes;
    std::string fingerprint;
  };
  std::map<std::string, service_routes> by_service_;
  size_t recomputed_ = 0;
  bool built_ = false;
};

} // namespace troupe::network
