#include "actors/observe/metrics_server.hpp"

#include <map>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <caf/actor_system.hpp>

#include "actors/observe/metrics.hpp"
#include "actors/observe/registry.hpp"

namespace troupe::observe {

namespace {

/// Actors of one node, read from its registry at scrape time.
class actor_collectable : public prometheus::Collectable {
public:
  explicit actor_collectable(const caf::actor_system& sys) : sys_(sys) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    auto* reg = registry_of(sys_);
    if (reg == nullptr)
      return out;
    auto actors = reg->snapshot(sys_);
    prometheus::MetricFamily count{"troupe_actors", "Live actors of this node by kind",
                                   prometheus::MetricType::Gauge, {}};
    prometheus::MetricFamily mbox{"troupe_actor_mailbox",
                                  "Mailbox size of the node's core actors",
                                  prometheus::MetricType::Gauge, {}};
    std::map<std::string, double> kinds;
    for (const auto& a : actors) {
      kinds[a.kind()] += 1;
      static const std::set<std::string> core{
        "node", "store", "raft", "dispatcher", "scheduler", "api", "gateway",
        "agent", "supervisor", "events"};
      if (core.count(a.kind()) == 0)
        continue;
      prometheus::ClientMetric m;
      m.label = {{"kind", a.kind()}, {"name", a.name()}};
      m.gauge.value = static_cast<double>(a.mailbox());
      mbox.metric.push_back(std::move(m));
    }
    for (const auto& [kind, n] : kinds) {
      prometheus::ClientMetric m;
      m.label = {{"kind", kind}};
      m.gauge.value = n;
      count.metric.push_back(std::move(m));
    }
    out.push_back(std::move(count));
    out.push_back(std::move(mbox));
    return out;
  }

private:
  const caf::actor_system& sys_;
};

std::string shifted(const std::string& address, const std::string& host, int by) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos)
    return "";
  int port = 0;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (...) {
    return "";
  }
  if (port <= 0 || port + by > 65535)
    return "";
  return (host.empty() ? address.substr(0, colon) : host) + ":"
         + std::to_string(port + by);
}

} // namespace

struct metrics_server::impl {
  std::unique_ptr<prometheus::Exposer> exposer;
  std::shared_ptr<actor_collectable> actors;
};

std::unique_ptr<metrics_server> metrics_server::start(const std::string& address,
                                                      std::string* error) {
  auto out = std::unique_ptr<metrics_server>(new metrics_server);
  out->impl_ = std::make_unique<impl>();
  try {
    // Several threads, and a request that is not complete within 5s is
    // dropped: one half-sent request must not block everyone's scrapes.
    out->impl_->exposer = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
      "listening_ports", address, "num_threads", "8", "request_timeout_ms", "5000"});
  } catch (const std::exception& e) {
    *error = "cannot serve metrics on " + address + ": " + e.what();
    return nullptr;
  }
  out->impl_->exposer->RegisterCollectable(metrics_registry());
  return out;
}

metrics_server::~metrics_server() = default;

void metrics_server::set_actor_system(const caf::actor_system& sys) {
  impl_->actors = std::make_shared<actor_collectable>(sys);
  impl_->exposer->RegisterCollectable(impl_->actors);
}

int metrics_server::port() const {
  auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

std::string default_metrics_address(const std::string& api_address) {
  return shifted(api_address, "127.0.0.1", 2000);
}

std::string default_events_address(const std::string& api_address) {
  return shifted(api_address, "", 1000);
}

} // namespace troupe::observe
