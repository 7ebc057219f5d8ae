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
  EXPECT_TRUE(l.expired(1000).empty());  // checked every interval, as the dispatcher does
  EXPECT_TRUE(l.expired(2000).empty());
  EXPECT_TRUE(l.expired(3000).empty());
  EXPECT_EQ(l.expired(3001), std::vector<std::string>{"w1"});
  EXPECT_TRUE(l.expired(3002).empty());
  EXPECT_TRUE(l.expired(4000).empty());
  EXPECT_TRUE(l.expired(5000).empty());
  EXPECT_EQ(l.expired(5501), std::vector<std::string>{"w2"});
}

TEST(node_liveness, forgotten_nodes_never_expire) {
  node_liveness l{100, 3};
  l.heard("w1", 0);
  l.forget("w1");
  EXPECT_TRUE(l.expired(10000).empty());
}

// Issue 10 item 9: the check runs on the dispatcher's timer; when that ran
// late (the dispatcher was busy or starved), the time it was not running is
// not the worker's silence: its heartbeats were waiting in the mailbox.
TEST(node_liveness, time_the_checker_was_not_running_is_not_counted) {
  node_liveness l{1000, 3};
  l.heard("w1", 0);
  EXPECT_TRUE(l.expired(1000).empty());
  EXPECT_TRUE(l.expired(2000).empty());
  // The next check, due at 3000, runs at 9000.
  EXPECT_TRUE(l.expired(9000).empty());
  l.heard("w1", 9001);  // the heartbeats queued behind it
  EXPECT_TRUE(l.expired(10000).empty());
  EXPECT_TRUE(l.expired(12000).empty());
  EXPECT_EQ(l.expired(13000), std::vector<std::string>{"w1"});
}

TEST(node_liveness, silence_seen_while_checking_on_time_still_counts) {
  node_liveness l{1000, 3};
  l.heard("w1", 0);
  for (int64_t t = 1000; t <= 3000; t += 1000)
    EXPECT_TRUE(l.expired(t).empty()) << t;
  // Late by less than an interval: on time enough, no credit.
  EXPECT_EQ(l.expired(4900), std::vector<std::string>{"w1"});
}

} // namespace
} // namespace troupe
