// VIP allocation: deterministic, stable across redeploys, never a published
// port, a node's host ports or another service's VIP; env names.
#include <gtest/gtest.h>

#include "actors/network/core/vip.hpp"

namespace troupe::network {
namespace {

pb::Service service(const std::string& stack, const std::string& name,
                    std::vector<std::pair<std::string, uint32_t>> ports) {
  pb::Service s;
  s.mutable_spec()->set_stack(stack);
  s.mutable_spec()->set_name(stack + "_" + name);
  for (const auto& [port, published] : ports) {
    auto* p = s.mutable_spec()->add_ports();
    p->set_name(port);
    p->set_target(80);
    p->set_published(published);
  }
  return s;
}

std::vector<uint32_t> vips(const pb::Service& s) {
  std::vector<uint32_t> out;
  for (const auto& v : s.vips())
    out.push_back(v.port());
  return out;
}

TEST(vip, lowest_free_ports_of_the_range_skipping_taken_ones) {
  std::map<std::string, pb::Service> services;
  std::map<std::string, pb::Node> nodes;
  pb::Node n;
  n.set_port_min(100);
  n.set_port_max(101);
  nodes["n1"] = n;
  services["demo_api"] = service("demo", "api", {{"http", 102}});  // publishes 102
  auto& api = services["demo_api"];
  EXPECT_TRUE(assign_vips(api, services, nodes, {100, 110}));
  EXPECT_EQ(vips(api), (std::vector<uint32_t>{103}));
  services["demo_web"] = service("demo", "web", {{"http", 0}, {"admin", 0}});
  auto& web = services["demo_web"];
  EXPECT_TRUE(assign_vips(web, services, nodes, {100, 110}));
  EXPECT_EQ(vips(web), (std::vector<uint32_t>{104, 105}));
  // Again: nothing changes.
  EXPECT_FALSE(assign_vips(web, services, nodes, {100, 110}));
  // A port removed frees its VIP; the other one stays.
  web.mutable_spec()->mutable_ports()->RemoveLast();
  EXPECT_TRUE(assign_vips(web, services, nodes, {100, 110}));
  EXPECT_EQ(vips(web), (std::vector<uint32_t>{104}));
}

TEST(vip, a_full_range_gives_no_vip_and_udp_ports_get_none) {
  std::map<std::string, pb::Service> services;
  services["a_x"] = service("a", "x", {{"p", 0}, {"q", 0}});
  services["a_x"].mutable_spec()->mutable_ports(1)->set_protocol("udp");
  EXPECT_TRUE(assign_vips(services["a_x"], services, {}, {200, 200}));
  EXPECT_EQ(vips(services["a_x"]), (std::vector<uint32_t>{200}));
  services["a_y"] = service("a", "y", {{"p", 0}});
  EXPECT_FALSE(assign_vips(services["a_y"], services, {}, {200, 200}));
  EXPECT_TRUE(services["a_y"].vips().empty());
}

TEST(vip, short_names_and_environment) {
  std::map<std::string, pb::Service> services;
  services["demo_my-api"] = service("demo", "my-api", {{"http", 0}, {"grpc", 0}});
  services["other_web"] = service("other", "web", {{"http", 0}});
  for (auto& [name, s] : services)
    assign_vips(s, services, {}, {15000, 16999});
  EXPECT_EQ(short_name(services["demo_my-api"].spec()), "my-api");
  auto env = service_addresses(services, "demo");
  EXPECT_EQ(env, (std::map<std::string, std::string>{
                   {"TROUPE_SERVICE_MY_API_ADDR", "127.0.0.1:15000"},
                   {"TROUPE_SERVICE_MY_API_HTTP_ADDR", "127.0.0.1:15000"},
                   {"TROUPE_SERVICE_MY_API_GRPC_ADDR", "127.0.0.1:15001"}}));
}

} // namespace
} // namespace troupe::network

namespace troupe::network {
namespace {

TEST(vip, published_conflicts_with_other_stacks) {
  std::map<std::string, pb::Service> services;
  services["other_web"] = service("other", "web", {{"http", 8080}});
  services["other_api"] = service("other", "api", {{"grpc", 0}});
  services["other_api"].add_vips()->set_port(15000);
  services["demo_web"] = service("demo", "web", {{"http", 9090}});

  pb::StackSpec demo;
  demo.set_name("demo");
  *demo.add_services() = service("demo", "web", {{"http", 9090}}).spec();
  EXPECT_EQ(published_conflict(demo, services), "");  // its own port: a redeploy
  demo.mutable_services(0)->mutable_ports(0)->set_published(8080);
  EXPECT_EQ(published_conflict(demo, services),
            "published port 8080 of demo_web is already published by other_web");
  demo.mutable_services(0)->mutable_ports(0)->set_published(15000);
  EXPECT_NE(published_conflict(demo, services).find("is the VIP of other_api"),
            std::string::npos);
}

} // namespace
} // namespace troupe::network
