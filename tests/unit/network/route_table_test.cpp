// Which tasks the routing table lists behind each published port.
#include "actors/network/core/route_table.hpp"

#include <gtest/gtest.h>

namespace troupe::network {
namespace {

pb::Node node(const std::string& name, const std::string& state = "ready") {
  pb::Node n;
  n.set_name(name);
  n.set_state(state);
  n.set_address("10.0.0." + name.substr(1));
  return n;
}

pb::Task task(const std::string& id, const std::string& node_name, uint32_t port) {
  pb::Task t;
  t.set_id(id);
  t.set_service("demo_web");
  t.set_node(node_name);
  t.set_state(pb::RUNNING);
  t.set_desired_state(pb::RUNNING);
  t.set_pid(100);
  (*t.mutable_host_ports())["http"] = port;
  return t;
}

cluster_state state_with(const std::vector<pb::Task>& tasks) {
  pb::ClusterSnapshot snap;
  snap.set_index(7);
  auto* svc = snap.add_services();
  svc->mutable_spec()->set_name("demo_web");
  auto* port = svc->mutable_spec()->add_ports();
  port->set_name("http");
  port->set_target(80);
  port->set_published(8080);
  *snap.add_nodes() = node("n1");
  *snap.add_nodes() = node("n2");
  *snap.add_nodes() = node("n3", "down");
  for (const auto& t : tasks)
    *snap.add_tasks() = t;
  cluster_state s;
  s.restore(snap);
  return s;
}

std::vector<std::string> endpoint_ids(const pb::RouteTable& table) {
  std::vector<std::string> out;
  for (const auto& ep : table.routes(0).endpoints())
    out.push_back(ep.task_id());
  return out;
}

TEST(route_table, lists_running_healthy_tasks_with_their_node_address) {
  auto table = routes_from(state_with({task("demo_web.2.b", "n2", 20001),
                                       task("demo_web.1.a", "n1", 20000)}));
  ASSERT_EQ(table.routes_size(), 1);
  const auto& r = table.routes(0);
  EXPECT_EQ(r.published(), 8080u);
  EXPECT_EQ(r.balance(), "least-connections");
  EXPECT_EQ(table.index(), 7u);
  ASSERT_EQ(r.endpoints_size(), 2);
  EXPECT_EQ(r.endpoints(0).task_id(), "demo_web.1.a");  // sorted
  EXPECT_EQ(r.endpoints(0).address(), "10.0.0.1");
  EXPECT_EQ(r.endpoints(0).port(), 20000u);
}

TEST(route_table, leaves_out_tasks_that_must_not_get_connections) {
  struct row {
    const char* why;
    std::function<void(pb::Task&)> change;
  };
  std::vector<row> rows = {
    {"starting", [](pb::Task& t) { t.set_state(pb::STARTING); }},
    {"no process (waiting to restart)", [](pb::Task& t) { t.set_pid(0); }},
    {"being stopped", [](pb::Task& t) { t.set_desired_state(pb::SHUTDOWN); }},
    {"unhealthy", [](pb::Task& t) { t.set_health("unhealthy"); }},
    {"health check not passed yet", [](pb::Task& t) { t.set_health("starting"); }},
    {"its node is down", [](pb::Task& t) { t.set_node("n3"); }},
    {"no host port of that name", [](pb::Task& t) { t.mutable_host_ports()->clear(); }},
    {"failed", [](pb::Task& t) { t.set_state(pb::FAILED); }},
  };
  for (const auto& r : rows) {
    auto bad = task("demo_web.2.b", "n2", 20001);
    r.change(bad);
    auto table = routes_from(state_with({task("demo_web.1.a", "n1", 20000), bad}));
    EXPECT_EQ(endpoint_ids(table), std::vector<std::string>{"demo_web.1.a"}) << r.why;
  }
  auto healthy = task("demo_web.2.b", "n2", 20001);
  healthy.set_health("healthy");
  EXPECT_EQ(endpoint_ids(routes_from(state_with({healthy}))).size(), 1u);
}

TEST(route_table, a_route_without_tasks_is_still_listed) {
  auto table = routes_from(state_with({}));
  ASSERT_EQ(table.routes_size(), 1);
  EXPECT_EQ(table.routes(0).endpoints_size(), 0);
}

TEST(route_table, fingerprint_ignores_the_index_only) {
  auto a = routes_from(state_with({task("demo_web.1.a", "n1", 20000)}));
  auto b = a;
  b.set_index(99);
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  b.mutable_routes(0)->mutable_endpoints(0)->set_port(20005);
  EXPECT_NE(fingerprint(a), fingerprint(b));
}

TEST(route_table, routes_of_one_service_only) {
  auto s = state_with({task("demo_web.1.a", "n1", 20000)});
  EXPECT_EQ(routes_of(s, "demo_web").routes_size(), 1);
  EXPECT_EQ(routes_of(s, "other").routes_size(), 0);
}

} // namespace
} // namespace troupe::network
