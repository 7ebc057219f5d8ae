// The HTTP endpoint of a node's Prometheus metrics: GET /metrics on
// `address` (host:port) serves metrics_registry() plus the node's actors from
// its introspection registry (troupe_actors by kind, troupe_actor_mailbox of
// the core actors), collected at scrape time. Start it before the actors
// (a busy port is a start-up error); keep the returned server alive as long
// as the process serves; set_actor_system once the system exists.
#pragma once

#include <memory>
#include <string>

namespace caf {
class actor_system;
}

namespace troupe::observe {

class metrics_server {
public:
  /// Listens on `address` ("host:port"); nullptr with *error set if it can't.
  static std::unique_ptr<metrics_server> start(const std::string& address,
                                               std::string* error);
  ~metrics_server();
  /// Adds the actor metrics of `sys` (its introspection registry).
  void set_actor_system(const caf::actor_system& sys);
  /// The port it listens on.
  int port() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

/// The default metrics address of a node whose API is at `api_address`:
/// 127.0.0.1 and the API port + 2000 ("" if that is not a valid port).
std::string default_metrics_address(const std::string& api_address);
/// The default events address: the API's host and its port + 1000.
std::string default_events_address(const std::string& api_address);

} // namespace troupe::observe
