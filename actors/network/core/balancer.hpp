// The choice of a backend for each new connection of one route. Policies:
// least-connections (the endpoint with the fewest open connections through
// this balancer; ties go round-robin) and round-robin. Endpoints can be
// replaced at any time: open connections of an endpoint that left are still
// counted until they close, but it gets no new ones. `pick` skips endpoints
// a connection already failed to reach, so a caller can retry elsewhere.
// Pure: no sockets, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace troupe::network {

struct endpoint {
  std::string task_id;
  std::string address;
  uint16_t port = 0;
  /// "address:port": what connections are counted by.
  std::string key() const { return address + ":" + std::to_string(port); }
};

enum class balance_policy { least_connections, round_robin };

/// "least-connections" | "round-robin"; anything else is least-connections.
balance_policy parse_balance(const std::string& text);

class balancer {
public:
  explicit balancer(balance_policy policy = balance_policy::least_connections)
    : policy_(policy) {}

  void set_policy(balance_policy policy) { policy_ = policy; }
  void set_endpoints(std::vector<endpoint> endpoints);
  const std::vector<endpoint>& endpoints() const { return endpoints_; }

  /// The endpoint for a new connection, skipping keys in `tried`; none when
  /// every endpoint was tried (or there is none).
  std::optional<endpoint> pick(const std::set<std::string>& tried = {});

  /// A connection to `key` opened / closed.
  void opened(const std::string& key) { ++active_[key]; }
  void closed(const std::string& key);
  uint32_t active(const std::string& key) const;

private:
  balance_policy policy_;
  std::vector<endpoint> endpoints_;
  std::map<std::string, uint32_t> active_;
  size_t next_ = 0;  // round-robin cursor (also breaks least-connection ties)
};

} // namespace troupe::network
