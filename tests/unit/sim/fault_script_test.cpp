#include <gtest/gtest.h>

#include "actors/sim/core/fault_script.hpp"

namespace troupe::sim {
namespace {

TEST(fault_script_test, a_script_gives_its_faults_in_time_order) {
  auto p = parse_faults("# a comment\n"
                        "at 2m kill-leader\n"
                        "\n"
                        "at 30s kill-workers 100   # the first\n"
                        "at 1m partition-workers 50 for 20s\n",
                        true);
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.faults.size(), 3u);
  EXPECT_EQ(p.faults[0].kind, fault_kind::kill_workers);
  EXPECT_EQ(p.faults[0].at_ms, 30000);
  EXPECT_EQ(p.faults[0].count, 100u);
  EXPECT_EQ(p.faults[0].line, 4);
  EXPECT_EQ(p.faults[1].kind, fault_kind::partition_workers);
  EXPECT_EQ(p.faults[1].for_ms, 20000);
  EXPECT_EQ(p.faults[2].kind, fault_kind::kill_leader);
  EXPECT_EQ(p.faults[2].at_ms, 120000);
  EXPECT_EQ(describe(p.faults[1]), "partition-workers 50 for 20s");
}

TEST(fault_script_test, typed_faults_happen_at_once_and_take_no_time) {
  auto p = parse_faults("kill-workers 3\n", false);
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.faults.size(), 1u);
  EXPECT_EQ(p.faults[0].at_ms, -1);
  EXPECT_EQ(parse_faults("at 3s kill-leader", false).error,
            "line 1: 'at' is for script files; a fault typed here happens at once");
}

TEST(fault_script_test, a_bad_line_is_named_and_nothing_is_kept) {
  struct {
    const char* text;
    const char* error;
  } cases[] = {
    {"at 1s kill-leader\nkill-leader\n",
     "line 2: each line starts with 'at DURATION' (e.g. at 30s kill-workers 100)"},
    {"at soon kill-leader", "line 1: 'at' needs a duration from the start (e.g. at 30s)"},
    {"at 1s explode", "line 1: 'explode' is not a fault (use kill-workers N, "
                      "partition-workers N for DURATION, or kill-leader)"},
    {"at 1s kill-workers", "line 1: kill-workers needs a number of workers from 1 to 1000000"},
    {"at 1s kill-workers 0", "line 1: kill-workers needs a number of workers from 1 to 1000000"},
    {"at 1s kill-workers -5", "line 1: kill-workers needs a number of workers from 1 to 1000000"},
    {"at 1s kill-workers 5 6", "line 1: kill-workers takes one number"},
    {"at 1s partition-workers 5", "line 1: partition-workers needs 'for DURATION' after the number"},
    {"at 1s partition-workers 5 for ever", "line 1: 'ever' is not a duration (use e.g. 500ms, 20s, 2m)"},
    {"at 1s kill-leader now", "line 1: kill-leader takes nothing after it"},
    {"at 1s", "line 1: no fault given (use kill-workers N, partition-workers N for DURATION, "
              "or kill-leader)"},
  };
  for (const auto& c : cases) {
    auto p = parse_faults(c.text, true);
    EXPECT_EQ(p.error, c.error) << c.text;
    EXPECT_TRUE(p.faults.empty()) << c.text;
  }
}

TEST(fault_script_test, a_script_has_at_most_ten_thousand_faults) {
  std::string text;
  for (size_t i = 0; i <= max_fault_lines; ++i)
    text += "at 1s kill-leader\n";
  auto p = parse_faults(text, true);
  EXPECT_EQ(p.error, "line 10001: more than 10000 faults");
  EXPECT_TRUE(p.faults.empty());
}

} // namespace
} // namespace troupe::sim
