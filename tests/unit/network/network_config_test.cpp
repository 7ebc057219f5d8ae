// The networking keys of cluster configs and stack files: vip_ports,
// ingress_address, dns_address, balance, proxy_protocol — valid values are
// taken, invalid ones get one error naming the key.
#include <gtest/gtest.h>

#include "config/cluster_config.hpp"
#include "config/stack_file.hpp"

namespace troupe {
namespace {

const std::string cluster = "[cluster]\nname = \"c\"\n";

TEST(network_config, cluster_keys) {
  auto ok = parse_cluster_config(
    "[cluster]\nname = \"c\"\nvip_ports = \"18000-18099\"\n"
    "[defaults]\ningress_address = \"127.0.0.5\"\ndns_address = \"127.0.0.1:5399\"\n",
    "c.toml");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.config.vip_port_min(), 18000u);
  EXPECT_EQ(ok.config.vip_port_max(), 18099u);
  EXPECT_EQ(ok.config.defaults().ingress_address(), "127.0.0.5");
  EXPECT_EQ(ok.config.defaults().dns_address(), "127.0.0.1:5399");
  EXPECT_TRUE(parse_cluster_config(cluster + "[defaults]\ndns_address = \"off\"\n", "c.toml").ok());

  struct bad {
    std::string text;
    std::string key;
  };
  const bad cases[] = {
    {"[cluster]\nname = \"c\"\nvip_ports = \"18000\"\n", "cluster.vip_ports"},
    {"[cluster]\nname = \"c\"\nvip_ports = \"900-1000\"\n", "cluster.vip_ports"},
    {"[cluster]\nname = \"c\"\nvip_ports = \"2000-1000\"\n", "cluster.vip_ports"},
    {cluster + "[defaults]\ningress_address = \"localhost\"\n", "defaults.ingress_address"},
    {cluster + "[defaults]\ndns_address = \"127.0.0.1\"\n", "defaults.dns_address"},
  };
  for (const auto& c : cases) {
    auto r = parse_cluster_config(c.text, "c.toml");
    ASSERT_EQ(r.errors.size(), 1u) << c.text;
    EXPECT_NE(r.errors[0].to_string().find(c.key), std::string::npos)
      << r.errors[0].to_string();
  }
}

std::string stack(const std::string& port_extra) {
  return "[stack]\nname = \"s\"\n[services.web]\ncommand = [\"x\"]\n"
         "ports = [{ name = \"http\", target = 80, published = 8080"
         + port_extra + " }]\n";
}

TEST(network_config, port_keys) {
  auto ok = parse_stack(stack(", balance = \"round-robin\", proxy_protocol = \"v2\""),
                             "s.toml");
  ASSERT_TRUE(ok.ok()) << (ok.errors.empty() ? "" : ok.errors[0].to_string());
  const auto& port = ok.stack.services(0).ports(0);
  EXPECT_EQ(port.balance(), "round-robin");
  EXPECT_EQ(port.proxy_protocol(), "v2");
  for (const char* extra : {", balance = \"random\"", ", proxy_protocol = \"v3\""}) {
    auto r = parse_stack(stack(extra), "s.toml");
    EXPECT_EQ(r.errors.size(), 1u) << extra;
  }
}

} // namespace
} // namespace troupe
