#include "actors/observe/metrics_families.hpp"

#include <map>
#include <mutex>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "actors/observe/metrics.hpp"

namespace troupe::observe {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// Seconds: 1ms .. 30s.
const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return b;
}

prometheus::Family<prometheus::Gauge>& tasks_family() {
  static auto& f = BuildGauge()
                     .Name("troupe_tasks")
                     .Help("Tasks in the cluster state by observed state (managers)")
                     .Register(*metrics_registry());
  return f;
}

prometheus::Family<prometheus::Counter>& restarts_family() {
  static auto& f = BuildCounter()
                     .Name("troupe_task_restarts_total")
                     .Help("Containers restarted in place, by service (managers)")
                     .Register(*metrics_registry());
  return f;
}

prometheus::Histogram& scheduling_delay() {
  static auto& h = BuildHistogram()
                     .Name("troupe_scheduling_delay_seconds")
                     .Help("Time from a task's creation to its assignment to a node")
                     .Register(*metrics_registry())
                     .Add({}, latency_buckets());
  return h;
}

prometheus::Gauge& raft_gauge(const std::string& name, const std::string& help) {
  // One family per name, made once (a name registered twice would throw).
  static std::mutex mtx;
  static std::map<std::string, prometheus::Gauge*> gauges;
  std::lock_guard<std::mutex> guard{mtx};
  auto& g = gauges[name];
  if (g == nullptr)
    g = &BuildGauge().Name(name).Help(help).Register(*metrics_registry()).Add({});
  return *g;
}

prometheus::Histogram& commit_latency() {
  static auto& h = BuildHistogram()
                     .Name("troupe_raft_commit_latency_seconds")
                     .Help("Time from a proposal on the leader to its application")
                     .Register(*metrics_registry())
                     .Add({}, latency_buckets());
  return h;
}

prometheus::Family<prometheus::Counter>& heartbeats_received() {
  static auto& f = BuildCounter()
                     .Name("troupe_node_heartbeats_received_total")
                     .Help("Worker heartbeats received by this manager's dispatcher")
                     .Register(*metrics_registry());
  return f;
}

prometheus::Counter& heartbeats_sent() {
  static auto& c = BuildCounter()
                     .Name("troupe_node_heartbeats_sent_total")
                     .Help("Heartbeats this node's agent sent to its dispatcher")
                     .Register(*metrics_registry())
                     .Add({});
  return c;
}

prometheus::Family<prometheus::Counter>& events_family() {
  static auto& f = BuildCounter()
                     .Name("troupe_events_total")
                     .Help("Events published by this node, by type")
                     .Register(*metrics_registry());
  return f;
}

} // namespace

void set_tasks_by_state(const std::map<std::string, double>& counts) {
  for (const auto& [state, n] : counts)
    tasks_family().Add({{"state", state}}).Set(n);
}

void count_task_restarts(const std::string& service, uint64_t n) {
  restarts_family().Add({{"service", service}}).Increment(static_cast<double>(n));
}

void observe_scheduling_delay_ms(int64_t ms) {
  scheduling_delay().Observe(static_cast<double>(ms < 0 ? 0 : ms) / 1000.0);
}

void set_raft(uint64_t term, uint64_t commit, uint64_t applied, bool leading,
              bool leader_known) {
  raft_gauge("troupe_raft_term", "Current Raft term of this manager")
    .Set(static_cast<double>(term));
  raft_gauge("troupe_raft_commit_index", "Highest log index known committed")
    .Set(static_cast<double>(commit));
  raft_gauge("troupe_raft_applied_index", "Highest log index applied to the store")
    .Set(static_cast<double>(applied));
  raft_gauge("troupe_raft_is_leader", "1 if this manager is the Raft leader")
    .Set(leading ? 1 : 0);
  raft_gauge("troupe_raft_leader_known", "1 if this manager knows a leader")
    .Set(leader_known ? 1 : 0);
}

void observe_commit_latency_ms(int64_t ms) {
  commit_latency().Observe(static_cast<double>(ms < 0 ? 0 : ms) / 1000.0);
}

void count_heartbeat_received(const std::string& node) {
  heartbeats_received().Add({{"node", node}}).Increment();
}

void count_heartbeat_sent() { heartbeats_sent().Increment(); }

void count_event(const std::string& type) {
  events_family().Add({{"type", type}}).Increment();
}

} // namespace troupe::observe
