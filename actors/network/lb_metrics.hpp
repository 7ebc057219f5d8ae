// Prometheus metrics of one load balancer (troupe_lb_*), labelled by service
// and listening port (published port or VIP): connections accepted, connections open, connections
// that found no endpoint, bytes each way. The series of (service, port) exist
// while a balancer holds them: release() by the last one removes them from
// the registry, so a removed service is no longer exported (a balancer
// started again later counts from 0, which Prometheus reads as a reset).
#pragma once

#include <cstdint>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
} // namespace prometheus

namespace troupe::network {

struct lb_metrics {
  prometheus::Counter* accepted = nullptr;  // troupe_lb_connections_total
  prometheus::Gauge* active = nullptr;      // troupe_lb_connections_active
  prometheus::Counter* failed = nullptr;    // troupe_lb_connections_failed_total
  prometheus::Counter* bytes_in = nullptr;  // troupe_lb_bytes_total{direction="in"}
  prometheus::Counter* bytes_out = nullptr; // troupe_lb_bytes_total{direction="out"}
  std::string service;
  uint32_t port = 0;

  /// The metrics of (service, port), registered on first use; each call
  /// holds them until release().
  static lb_metrics of(const std::string& service, uint32_t port);
  /// Drops this hold; the last one removes the series. Idempotent.
  void release();

  void on_accept();
  void on_close();
  void on_fail();
  void add_in(uint64_t n);
  void add_out(uint64_t n);
};

} // namespace troupe::network
