// node_liveness: a node is down only after `missed` silent intervals.
#include <gtest/gtest.h>

#include "actors/manager/core/liveness.hpp"

namespace troupe {
namespace {

TEST(node_liveness, expires_after_missed_intervals_and_only_once) {
  node_liveness l{1000, 3};
  l.heard("w1", 0);
  l.heard("w2", 0);
  l.heard("w2", 2500);
  EXPECT_TRUE(l.expired(3000).empty());
  EXPECT_EQ(l.expired(3001), std::vector<std::string>{"w1"});
  EXPECT_TRUE(l.expired(3002).empty());
  EXPECT_EQ(l.expired(5501), std::vector<std::string>{"w2"});
}

TEST(node_liveness, forgotten_nodes_never_expire) {
  node_liveness l{100, 3};
  l.heard("w1", 0);
  l.forget("w1");
  EXPECT_TRUE(l.expired(10000).empty());
}

} // namespace
} // namespace troupe
