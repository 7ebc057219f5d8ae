#include "actors/network/core/balancer.hpp"

namespace troupe::network {

balance_policy parse_balance(const std::string& text) {
  return text == "round-robin" ? balance_policy::round_robin
                               : balance_policy::least_connections;
}

void balancer::set_endpoints(std::vector<endpoint> endpoints) {
  endpoints_ = std::move(endpoints);
}

std::optional<endpoint> balancer::pick(const std::set<std::string>& tried) {
  const auto n = endpoints_.size();
  std::optional<size_t> best;
  uint32_t best_active = 0;
  for (size_t step = 0; step < n; ++step) {
    auto i = (next_ + step) % n;
    const auto& ep = endpoints_[i];
    if (tried.count(ep.key()) != 0)
      continue;
    if (policy_ == balance_policy::round_robin) {
      best = i;
      break;
    }
    auto load = active(ep.key());
    if (!best || load < best_active) {
      best = i;
      best_active = load;
    }
  }
  if (!best)
    return std::nullopt;
  next_ = (*best + 1) % n;
  return endpoints_[*best];
}

void balancer::closed(const std::string& key) {
  auto i = active_.find(key);
  if (i == active_.end())
    return;
  if (--i->second == 0)
    active_.erase(i);
}

uint32_t balancer::active(const std::string& key) const {
  auto i = active_.find(key);
  return i == active_.end() ? 0 : i->second;
}

} // namespace troupe::network
