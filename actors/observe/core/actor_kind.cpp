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

bool killable(actor_kind kind, std::string_view name) {
  switch (kind) {
    case actor_kind::task:
    case actor_kind::supervisor:
    case actor_kind::service:
      return true;
    case actor_kind::load_balancer:
      return name != "mesh"; // the mesh owns every balancer of the node
    default:
      return false;
  }
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
