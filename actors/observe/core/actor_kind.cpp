#include "actors/observe/core/actor_kind.hpp"

#include <array>

namespace troupe::observe {

namespace {

constexpr std::array<const char*, 15> names = {
  "node", "service", "task", "supervisor", "load-balancer", "raft", "store",
  "scheduler", "dispatcher", "api", "gateway", "agent", "events", "metrics",
  "other",
};

} // namespace

const char* to_string(actor_kind k) {
  return names[static_cast<size_t>(k)];
}

std::optional<actor_kind> parse_kind(std::string_view s) {
  if (s == "lb" || s == "load_balancer")
    return actor_kind::load_balancer;
  for (size_t i = 0; i < names.size(); ++i)
    if (s == names[i])
      return static_cast<actor_kind>(i);
  return std::nullopt;
}

std::vector<std::string> kind_names() {
  return {names.begin(), names.end()};
}

} // namespace troupe::observe
