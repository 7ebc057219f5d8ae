#include "actors/network/core/vip.hpp"

#include <atomic>
#include <cctype>
#include <set>

namespace troupe::network {

namespace {

std::atomic<uint64_t> range_bits{(uint64_t{15000} << 32) | 16999};

bool is_tcp(const pb::PortSpec& p) {
  return p.protocol().empty() || p.protocol() == "tcp";
}

std::string env_name(std::string s) {
  for (auto& c : s)
    c = c == '-' || c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

vip_range current_vip_range() {
  auto bits = range_bits.load();
  return {static_cast<uint32_t>(bits >> 32), static_cast<uint32_t>(bits & 0xffffffff)};
}

void set_vip_range(vip_range range) {
  range_bits.store((uint64_t{range.min} << 32) | range.max);
}

namespace {

template <class Services, class Nodes>
bool assign_vips_in(pb::Service& svc, const Services& services,
                    const Nodes& nodes, vip_range range) {
  std::set<uint32_t> taken;
  for (const auto& [name, other] : services) {
    for (const auto& p : other.spec().ports())
      if (p.published() != 0)
        taken.insert(p.published());
    if (name != svc.spec().name())
      for (const auto& v : other.vips())
        taken.insert(v.port());
  }
  auto in_host_range = [&](uint32_t port) {
    for (const auto& [name, node] : nodes)
      if (node.port_min() != 0 && port >= node.port_min() && port <= node.port_max())
        return true;
    return false;
  };
  std::map<std::string, uint32_t> had;
  for (const auto& v : svc.vips())
    had[v.port_name()] = v.port();
  google::protobuf::RepeatedPtrField<pb::RouteVip> next;
  uint32_t cursor = range.min;
  for (const auto& p : svc.spec().ports()) {
    if (!is_tcp(p))
      continue;
    uint32_t port = 0;
    auto kept = had.find(p.name());
    if (kept != had.end() && taken.count(kept->second) == 0) {
      port = kept->second;
    } else {
      for (; cursor <= range.max && cursor != 0; ++cursor)
        if (taken.count(cursor) == 0 && !in_host_range(cursor)) {
          port = cursor;
          break;
        }
    }
    if (port == 0)
      continue;
    taken.insert(port);
    auto* v = next.Add();
    v->set_port_name(p.name());
    v->set_port(port);
  }
  bool changed = next.size() != svc.vips().size();
  for (int i = 0; !changed && i < next.size(); ++i)
    changed = next[i].port_name() != svc.vips(i).port_name()
              || next[i].port() != svc.vips(i).port();
  if (changed)
    *svc.mutable_vips() = std::move(next);
  return changed;
}

template <class Services>
std::string published_conflict_in(const pb::StackSpec& stack,
                                  const Services& services) {
  for (const auto& s : stack.services())
    for (const auto& p : s.ports()) {
      if (p.published() == 0)
        continue;
      for (const auto& [name, other] : services) {
        if (other.spec().stack() == stack.name())
          continue;
        for (const auto& q : other.spec().ports())
          if (q.published() == p.published())
            return "published port " + std::to_string(p.published()) + " of " + s.name()
                   + " is already published by " + name;
        for (const auto& v : other.vips())
          if (v.port() == p.published())
            return "published port " + std::to_string(p.published()) + " of " + s.name()
                   + " is the VIP of " + name + " (keep published ports out of vip_ports)";
      }
    }
  return {};
}

} // namespace

bool assign_vips(pb::Service& svc, const std::map<std::string, pb::Service>& services,
                 const std::map<std::string, pb::Node>& nodes, vip_range range) {
  return assign_vips_in(svc, services, nodes, range);
}

bool assign_vips(pb::Service& svc, const persistent_map<pb::Service>& services,
                 const persistent_map<pb::Node>& nodes, vip_range range) {
  return assign_vips_in(svc, services, nodes, range);
}

std::string published_conflict(const pb::StackSpec& stack,
                               const std::map<std::string, pb::Service>& services) {
  return published_conflict_in(stack, services);
}

std::string published_conflict(const pb::StackSpec& stack,
                               const persistent_map<pb::Service>& services) {
  return published_conflict_in(stack, services);
}

uint32_t vip_of(const pb::Service& svc, const std::string& port_name) {
  for (const auto& v : svc.vips())
    if (v.port_name() == port_name)
      return v.port();
  return 0;
}

std::string short_name(const pb::ServiceSpec& spec) {
  const auto& name = spec.name();
  auto prefix = spec.stack() + "_";
  if (!spec.stack().empty() && name.compare(0, prefix.size(), prefix) == 0)
    return name.substr(prefix.size());
  return name;
}

namespace {

void add_addresses(const pb::Service& svc,
                   std::map<std::string, std::string>& out) {
  if (svc.vips().empty())
    return;
  auto base = "TROUPE_SERVICE_" + env_name(short_name(svc.spec()));
  out[base + "_ADDR"] = "127.0.0.1:" + std::to_string(svc.vips(0).port());
  for (const auto& v : svc.vips())
    out[base + "_" + env_name(v.port_name()) + "_ADDR"]
      = "127.0.0.1:" + std::to_string(v.port());
}

} // namespace

std::map<std::string, std::string> service_addresses(
  const std::map<std::string, pb::Service>& services, const std::string& stack) {
  std::map<std::string, std::string> out;
  for (const auto& [name, svc] : services)
    if (svc.spec().stack() == stack)
      add_addresses(svc, out);
  return out;
}

std::map<std::string, std::string> service_addresses(
  const std::vector<const pb::Service*>& services_of_stack) {
  std::map<std::string, std::string> out;
  for (const auto* svc : services_of_stack)
    add_addresses(*svc, out);
  return out;
}

} // namespace troupe::network
