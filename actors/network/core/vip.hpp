// Internal VIPs: every tcp port of every service gets a stable port, chosen
// when the service is deployed (inside cluster_state::apply, so committed and
// the same on every manager) and kept across redeploys while the port name
// stays. A VIP is served on 127.0.0.1:PORT on every node (mesh.hpp).
// Allocation is deterministic: the lowest port of the range that is not a
// VIP of another service, a published port, or inside a node's host-port
// range. The range is the cluster config's `vip_ports` (default
// 15000-16999); it must be the same on every manager. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/manager/core/persistent_map.hpp"
#include "messages/troupe.pb.h"

namespace troupe::network {

struct vip_range {
  uint32_t min = 15000;
  uint32_t max = 16999;
};

/// The process's range (set once at start-up, before any apply).
vip_range current_vip_range();
void set_vip_range(vip_range range);

/// Gives `svc` a VIP per tcp port (keeping those it has), drops VIPs of
/// ports it no longer has; true if its VIPs changed. Ports the range cannot
/// hold get none.
bool assign_vips(pb::Service& svc, const std::map<std::string, pb::Service>& services,
                 const std::map<std::string, pb::Node>& nodes, vip_range range);
bool assign_vips(pb::Service& svc, const persistent_map<pb::Service>& services,
                 const persistent_map<pb::Node>& nodes, vip_range range);

/// Why `stack` cannot be deployed next to the other stacks' services (a
/// published port that another stack publishes or that is another
/// service's VIP), as one sentence; "" when it can.
std::string published_conflict(const pb::StackSpec& stack,
                               const std::map<std::string, pb::Service>& services);
std::string published_conflict(const pb::StackSpec& stack,
                               const persistent_map<pb::Service>& services);

/// The VIP of `port_name` of `svc`, or 0.
uint32_t vip_of(const pb::Service& svc, const std::string& port_name);

/// "web" for "demo_web" in stack "demo".
std::string short_name(const pb::ServiceSpec& spec);

/// TROUPE_SERVICE_<NAME>_ADDR (the first port) and
/// TROUPE_SERVICE_<NAME>_<PORT>_ADDR → "127.0.0.1:VIP" for every service
/// of `stack` (NAME upper-cased, '-' → '_').
std::map<std::string, std::string> service_addresses(
  const std::map<std::string, pb::Service>& services, const std::string& stack);
/// The same from the services of one stack only.
std::map<std::string, std::string> service_addresses(
  const std::vector<const pb::Service*>& services_of_stack);

} // namespace troupe::network
