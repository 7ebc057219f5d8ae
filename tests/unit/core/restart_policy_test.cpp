// restart_tracker: conditions, backoff, attempt limits and the reset after a
// long run, all with explicit clocks.
#include <gtest/gtest.h>

#include <vector>

#include "actors/worker/core/restart_policy.hpp"

using namespace troupe;

namespace {

pb::RestartPolicy policy(const std::string& condition, int64_t delay = 1000,
                         int64_t max_delay = 8000, uint32_t max_attempts = 0,
                         int64_t window = 0) {
  pb::RestartPolicy p;
  p.set_condition(condition);
  p.set_delay_ms(delay);
  p.set_max_delay_ms(max_delay);
  p.set_max_attempts(max_attempts);
  p.set_window_ms(window);
  return p;
}

} // namespace

TEST(restart_policy, conditions_by_exit_code) {
  struct row { std::string condition; int exit_code; bool restart; };
  const row table[] = {
    {"none", 0, false},       {"none", 1, false},       {"none", 137, false},
    {"on-failure", 0, false}, {"on-failure", 1, true},  {"on-failure", 137, true},
    {"any", 0, true},         {"any", 2, true},         {"", 0, true},
  };
  for (auto& r : table) {
    restart_tracker tracker(policy(r.condition));
    auto d = tracker.on_exit(r.exit_code, false, 0, 500);
    EXPECT_EQ(d.restart, r.restart) << r.condition << " exit " << r.exit_code
                                    << ": " << d.reason;
    EXPECT_EQ(tracker.restarts(), r.restart ? 1u : 0u);
  }
}

TEST(restart_policy, reasons_in_plain_words) {
  restart_tracker on_failure(policy("on-failure"));
  EXPECT_EQ(on_failure.on_exit(0, false, 0, 100).reason,
            "exit code 0; restart condition is on-failure");
  restart_tracker limited(policy("any", 1000, 8000, 5, 60000));
  EXPECT_EQ(limited.on_exit(1, false, 0, 100).reason,
            "exit code 1; restart 1 of 5 in 1m after 1s");
  restart_tracker unlimited(policy("any", 0, 0));
  EXPECT_EQ(unlimited.on_exit(3, false, 0, 100).reason,
            "exit code 3; restart 1 at once");
}

TEST(restart_policy, a_requested_stop_never_restarts) {
  for (auto cond : {"any", "on-failure", "none", ""}) {
    restart_tracker tracker(policy(cond));
    for (int code : {0, 1, 143}) {
      auto d = tracker.on_exit(code, true, 0, 100);
      EXPECT_FALSE(d.restart) << cond << " " << code;
      EXPECT_NE(d.reason.find("asked it to stop"), std::string::npos) << d.reason;
    }
    EXPECT_EQ(tracker.restarts(), 0u);
  }
}

TEST(restart_policy, delay_doubles_up_to_the_cap) {
  restart_tracker tracker(policy("any", 1000, 8000));
  const int64_t expected[] = {1000, 2000, 4000, 8000, 8000, 8000};
  int64_t now = 0;
  for (int64_t want : expected) {
    auto d = tracker.on_exit(1, false, now, now + 100);
    now += 100 + d.delay_ms;
    EXPECT_TRUE(d.restart);
    EXPECT_EQ(d.delay_ms, want);
  }
  EXPECT_EQ(tracker.restarts(), 6u);
}

TEST(restart_policy, a_cap_below_the_delay_keeps_the_delay) {
  restart_tracker tracker(policy("any", 3000, 0));
  EXPECT_EQ(tracker.on_exit(1, false, 0, 10).delay_ms, 3000);
  EXPECT_EQ(tracker.on_exit(1, false, 3010, 3020).delay_ms, 3000);
}

TEST(restart_policy, delay_resets_after_a_long_run) {
  restart_tracker tracker(policy("any", 1000, 8000));
  tracker.on_exit(1, false, 0, 10);
  tracker.on_exit(1, false, 1010, 1020);
  EXPECT_EQ(tracker.on_exit(1, false, 3020, 3030).delay_ms, 4000);
  // Ran 10s: not longer than max(8s, 10s), so the backoff keeps growing.
  EXPECT_EQ(tracker.on_exit(1, false, 10000, 20000).delay_ms, 8000);
  // Ran 10.001s: back to the first delay.
  EXPECT_EQ(tracker.on_exit(1, false, 30000, 40001).delay_ms, 1000);
  EXPECT_EQ(tracker.on_exit(1, false, 41001, 41002).delay_ms, 2000);
}

TEST(restart_policy, max_attempts_without_window_counts_since_start) {
  restart_tracker tracker(policy("on-failure", 0, 0, 3));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(tracker.on_exit(1, false, i * 100000, i * 100000 + 50).restart);
  auto d = tracker.on_exit(1, false, 900000, 900050);
  EXPECT_FALSE(d.restart);
  EXPECT_EQ(d.reason, "exit code 1; gave up after 3 restarts");
  EXPECT_EQ(tracker.restarts(), 3u);
}

TEST(restart_policy, max_attempts_within_a_window) {
  restart_tracker tracker(policy("any", 0, 0, 2, 10000));
  EXPECT_TRUE(tracker.on_exit(1, false, 0, 1000).restart);
  EXPECT_TRUE(tracker.on_exit(1, false, 1000, 2000).restart);
  auto d = tracker.on_exit(1, false, 2000, 3000);
  EXPECT_FALSE(d.restart);
  EXPECT_EQ(d.reason, "exit code 1; gave up after 2 restarts in 10s");
  // Once the first restart has left the window, one more is allowed.
  EXPECT_TRUE(tracker.on_exit(1, false, 3000, 11500).restart);
  EXPECT_FALSE(tracker.on_exit(1, false, 11500, 11600).restart);
}

TEST(restart_policy, start_failures_back_off_too) {
  // A container that never started has started_ms 0; with a clock far from
  // the epoch that must not count as "ran long": the delay keeps doubling.
  restart_tracker tracker(policy("any", 1000, 8000));
  int64_t now = 1714564800000;
  std::vector<int64_t> delays;
  for (int i = 0; i < 5; ++i) {
    auto d = tracker.on_exit(127, false, 0, now);
    ASSERT_TRUE(d.restart) << d.reason;
    delays.push_back(d.delay_ms);
    now += d.delay_ms;
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{1000, 2000, 4000, 8000, 8000}));
}
