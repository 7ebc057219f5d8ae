// Prometheus metrics of one troupe process (prometheus-cpp).
//
// Contract: metrics_registry() is the one registry of the process, created on
// first use and never destroyed (safe from any thread, any actor, any time,
// including static destruction). Add a metric family with prometheus-cpp
// directly, once, and keep the returned reference (families and metrics live
// as long as the registry):
//
//   static auto& conns = prometheus::BuildCounter()
//       .Name("troupe_lb_connections_total").Help("...")
//       .Register(*observe::metrics_registry());
//   conns.Add({{"service", name}}).Increment();
//
// Names start with `troupe_`; counters end in `_total`; times are seconds.
// Registering the same name twice with a different type throws — do it once
// (a function-local static, as above). The node serves the registry over HTTP
// (serve_metrics, actors/observe/metrics_server.hpp); docs/observability.md
// lists every metric.
#pragma once

#include <memory>

#include <prometheus/registry.h>

namespace troupe::observe {

/// The process's registry (never null).
std::shared_ptr<prometheus::Registry> metrics_registry();

} // namespace troupe::observe
