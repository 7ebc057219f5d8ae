#include <gtest/gtest.h>

#include "cli/task_filter.hpp"

namespace troupe::cli {
namespace {

pb::Task task(const std::string& node, pb::TaskState desired, pb::TaskState state) {
  pb::Task t;
  t.set_node(node);
  t.set_desired_state(desired);
  t.set_state(state);
  return t;
}

TEST(task_filter, keys_and_within_a_key_or) {
  task_filter f;
  std::string error;
  ASSERT_TRUE(parse_task_filters({"desired-state=running", "node=n1", "node=n2"}, &f, &error))
    << error;
  EXPECT_TRUE(task_matches(f, task("n1", pb::RUNNING, pb::STARTING)));
  EXPECT_TRUE(task_matches(f, task("n2", pb::RUNNING, pb::RUNNING)));
  EXPECT_FALSE(task_matches(f, task("n3", pb::RUNNING, pb::RUNNING)));
  EXPECT_FALSE(task_matches(f, task("n1", pb::SHUTDOWN, pb::COMPLETE)));
  ASSERT_TRUE(parse_task_filters({"state=failed"}, &f, &error)) << error;
  EXPECT_TRUE(task_matches(f, task("n1", pb::RUNNING, pb::FAILED)));
  EXPECT_FALSE(task_matches(f, task("n1", pb::RUNNING, pb::RUNNING)));
  ASSERT_TRUE(parse_task_filters({}, &f, &error));
  EXPECT_TRUE(task_matches(f, task("", pb::SHUTDOWN, pb::SHUTDOWN)));
}

TEST(task_filter, bad_filters_are_one_sentence) {
  struct row { std::vector<std::string> args; const char* must_mention; };
  std::vector<row> rows = {
    {{"running"}, "expected KEY=VALUE"},
    {{"node="}, "expected KEY=VALUE"},
    {{"colour=red"}, "unknown --filter key \"colour\""},
    {{"state=happy"}, "invalid --filter state \"happy\": expected one of new, pending"},
    {{"desired-state=RUNNING"}, "invalid --filter desired-state"},
  };
  for (const auto& r : rows) {
    task_filter f;
    std::string error;
    EXPECT_FALSE(parse_task_filters(r.args, &f, &error));
    EXPECT_NE(error.find(r.must_mention), std::string::npos) << error;
  }
  std::vector<std::string> many(33, "node=a");
  task_filter f;
  std::string error;
  EXPECT_FALSE(parse_task_filters(many, &f, &error));
}

TEST(truncated, cuts_long_text_only) {
  EXPECT_EQ(truncated("short", 60), "short");
  EXPECT_EQ(truncated(std::string(61, 'x'), 60), std::string(57, 'x') + "...");
  EXPECT_EQ(truncated(std::string(60, 'x'), 60), std::string(60, 'x'));
}

} // namespace
} // namespace troupe::cli
