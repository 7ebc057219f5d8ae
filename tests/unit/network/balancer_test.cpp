// The balancer's choices: least-connections, round-robin, retries that skip
// endpoints already tried, and endpoints replaced under open connections.
#include "actors/network/core/balancer.hpp"

#include <gtest/gtest.h>

namespace troupe::network {
namespace {

std::vector<endpoint> three() {
  return {{"t1", "10.0.0.1", 8001}, {"t2", "10.0.0.2", 8002}, {"t3", "10.0.0.3", 8003}};
}

TEST(balancer, round_robin_cycles_through_every_endpoint) {
  balancer b(balance_policy::round_robin);
  b.set_endpoints(three());
  std::vector<std::string> picked;
  for (int i = 0; i < 6; ++i)
    picked.push_back(b.pick()->task_id);
  EXPECT_EQ(picked, (std::vector<std::string>{"t1", "t2", "t3", "t1", "t2", "t3"}));
}

TEST(balancer, least_connections_prefers_the_least_loaded) {
  balancer b;
  b.set_endpoints(three());
  b.opened("10.0.0.1:8001");
  b.opened("10.0.0.1:8001");
  b.opened("10.0.0.2:8002");
  EXPECT_EQ(b.pick()->task_id, "t3");
  b.opened("10.0.0.3:8003");
  b.opened("10.0.0.3:8003");
  EXPECT_EQ(b.pick()->task_id, "t2");
  b.closed("10.0.0.1:8001");
  b.closed("10.0.0.1:8001");
  EXPECT_EQ(b.pick()->task_id, "t1");
}

TEST(balancer, least_connections_ties_rotate) {
  balancer b;
  b.set_endpoints(three());
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i)
    seen.insert(b.pick()->task_id);
  EXPECT_EQ(seen.size(), 3u);
}

TEST(balancer, pick_skips_tried_endpoints_then_gives_up) {
  for (auto policy : {balance_policy::round_robin, balance_policy::least_connections}) {
    balancer b(policy);
    b.set_endpoints(three());
    std::set<std::string> tried;
    for (int i = 0; i < 3; ++i) {
      auto ep = b.pick(tried);
      ASSERT_TRUE(ep);
      EXPECT_EQ(tried.count(ep->key()), 0u);
      tried.insert(ep->key());
    }
    EXPECT_FALSE(b.pick(tried));
  }
}

TEST(balancer, no_endpoints_no_pick) {
  balancer b;
  EXPECT_FALSE(b.pick());
}

TEST(balancer, an_endpoint_that_left_gets_no_new_connections) {
  balancer b;
  b.set_endpoints(three());
  b.opened("10.0.0.1:8001");
  b.set_endpoints({{"t2", "10.0.0.2", 8002}});
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(b.pick()->task_id, "t2");
  // its open connection is still counted until it closes
  EXPECT_EQ(b.active("10.0.0.1:8001"), 1u);
  b.closed("10.0.0.1:8001");
  EXPECT_EQ(b.active("10.0.0.1:8001"), 0u);
  b.closed("10.0.0.1:8001");  // a stray close changes nothing
  EXPECT_EQ(b.active("10.0.0.1:8001"), 0u);
}

TEST(balancer, parse_balance_defaults_to_least_connections) {
  EXPECT_EQ(parse_balance("round-robin"), balance_policy::round_robin);
  EXPECT_EQ(parse_balance("least-connections"), balance_policy::least_connections);
  EXPECT_EQ(parse_balance(""), balance_policy::least_connections);
}

} // namespace
} // namespace troupe::network
