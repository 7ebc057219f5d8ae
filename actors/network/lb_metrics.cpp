#include "actors/network/lb_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <map>
#include <mutex>
#include <utility>

#include "actors/observe/metrics.hpp"

namespace troupe::network {

namespace {

struct families {
  prometheus::Family<prometheus::Counter>& accepted;
  prometheus::Family<prometheus::Gauge>& active;
  prometheus::Family<prometheus::Counter>& failed;
  prometheus::Family<prometheus::Counter>& bytes;
};

families& all() {
  static families f{
    prometheus::BuildCounter()
      .Name("troupe_lb_connections_total")
      .Help("Client connections accepted by the routing mesh, per service and published port")
      .Register(*observe::metrics_registry()),
    prometheus::BuildGauge()
      .Name("troupe_lb_connections_active")
      .Help("Client connections open through the routing mesh")
      .Register(*observe::metrics_registry()),
    prometheus::BuildCounter()
      .Name("troupe_lb_connections_failed_total")
      .Help("Client connections closed because no endpoint could be reached")
      .Register(*observe::metrics_registry()),
    prometheus::BuildCounter()
      .Name("troupe_lb_bytes_total")
      .Help("Bytes forwarded by the routing mesh (direction in = client to task)")
      .Register(*observe::metrics_registry()),
  };
  return f;
}

// Holds per (service, port): the series go when the last holder releases.
std::mutex holds_mutex;
std::map<std::pair<std::string, uint32_t>, int> holds;

} // namespace

lb_metrics lb_metrics::of(const std::string& service, uint32_t port) {
  auto& f = all();
  std::lock_guard<std::mutex> guard(holds_mutex);
  ++holds[{service, port}];
  std::map<std::string, std::string> labels{{"service", service},
                                            {"port", std::to_string(port)}};
  auto in = labels;
  in["direction"] = "in";
  auto out = labels;
  out["direction"] = "out";
  lb_metrics m;
  m.accepted = &f.accepted.Add(labels);
  m.active = &f.active.Add(labels);
  m.failed = &f.failed.Add(labels);
  m.bytes_in = &f.bytes.Add(in);
  m.bytes_out = &f.bytes.Add(out);
  m.service = service;
  m.port = port;
  return m;
}

void lb_metrics::release() {
  if (accepted == nullptr)
    return;
  auto& f = all();
  std::lock_guard<std::mutex> guard(holds_mutex);
  auto i = holds.find({service, port});
  if (i != holds.end() && --i->second <= 0) {
    holds.erase(i);
    f.accepted.Remove(accepted);
    f.active.Remove(active);
    f.failed.Remove(failed);
    f.bytes.Remove(bytes_in);
    f.bytes.Remove(bytes_out);
  }
  accepted = nullptr;
  active = nullptr;
  failed = nullptr;
  bytes_in = nullptr;
  bytes_out = nullptr;
}

void lb_metrics::on_accept() {
  if (accepted) {
    accepted->Increment();
    active->Increment();
  }
}

void lb_metrics::on_close() {
  if (active)
    active->Decrement();
}

void lb_metrics::on_fail() {
  if (failed)
    failed->Increment();
}

void lb_metrics::add_in(uint64_t n) {
  if (bytes_in)
    bytes_in->Increment(static_cast<double>(n));
}

void lb_metrics::add_out(uint64_t n) {
  if (bytes_out)
    bytes_out->Increment(static_cast<double>(n));
}

} // namespace troupe::network
