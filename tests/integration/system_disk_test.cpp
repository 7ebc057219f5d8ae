// `troupe system df|prune` and the history limit of task folders on a
// standalone node (process driver): a slot updated 7 times keeps the folders
// of the tasks the store keeps (the live one and the newest 5 ended); after
// `stack rm`, df counts the removed stack's folders as reclaimable and prune
// removes exactly those (confirmed by --force; not confirmed: nothing
// removed), leaving the live service running; bad input gets a sentence.
#include <filesystem>
#include <set>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using system_disk = agent_test;

/// The task folders under the node's data dir whose name starts with `prefix`.
std::set<std::string> folders(const agent& a, const std::string& prefix) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(a.data_dir() + "/tasks", ec)) {
    auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0)
      out.insert(name);
  }
  return out;
}

std::set<std::string> task_ids(const json& tasks) {
  std::set<std::string> out;
  if (tasks.is_array())
    for (const auto& t : tasks)
      out.insert(t.value("id", ""));
  return out;
}

std::string sleeper(const std::string& stack, const std::string& service, int replicas) {
  return "[stack]\nname = \"" + stack + "\"\n\n[services." + service + "]\n"
         "command = [\"sleep\", \"1000\"]\nreplicas = " + std::to_string(replicas) + "\n"
         "stop_grace_period = \"1s\"\n"
         "[services." + service + ".update]\nmonitor = \"100ms\"\n";
}

TEST_F(system_disk, a_slots_task_folders_follow_the_history_limit) {
  auto r = agent_->cli({"stack", "deploy", stack_file("hist.toml", sleeper("hist", "a", 1)),
                        "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (int v = 1; v <= 7; ++v) {
    r = agent_->cli({"service", "update", "hist_a", "--env", "V=" + std::to_string(v),
                     "--timeout", "60s"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  // 8 tasks were made in slot 1: the store keeps the running one and the
  // newest 5 ended; the node keeps the same folders and no more.
  std::set<std::string> in_store, on_disk;
  bool same = wait_until([&] {
    in_store = task_ids(agent_->tasks("hist_a"));
    on_disk = folders(*agent_, "hist_a.1.");
    return in_store.size() == 6 && on_disk == in_store;
  }, 30000, 100);
  EXPECT_TRUE(same) << "store: " << json(in_store).dump() << "\ndisk: " << json(on_disk).dump();
}

TEST_F(system_disk, prune_removes_the_folders_of_a_removed_stack_and_nothing_live) {
  auto r = agent_->cli({"stack", "deploy", stack_file("keep.toml", sleeper("keep", "c", 1)),
                        "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  r = agent_->cli({"stack", "deploy", stack_file("gone.toml", sleeper("gone", "b", 2)),
                   "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto keep_before = running_tasks(agent_->tasks("keep_c"));
  ASSERT_EQ(keep_before.size(), 1u);
  r = agent_->cli({"stack", "rm", "gone"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(folders(*agent_, "gone_b.").size(), 2u) << "stack rm leaves the logs";

  json df;
  ASSERT_TRUE(wait_until([&] {
    df = agent_->cli_json({"system", "df"});
    return df.is_object() && df.value("prunable_folders", 0) == 2;
  }, 30000, 200)) << df.dump(2);
  EXPECT_EQ(df.value("task_folders", 0), 3) << df.dump(2);
  EXPECT_EQ(df.value("live_folders", 0), 1) << df.dump(2);
  EXPECT_GT(df.value("task_bytes", 0), 0) << df.dump(2);
  auto table = agent_->cli({"system", "df"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_NE(table.out.find("task folders"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("(2 folders)"), std::string::npos) << table.out;

  // Not confirmed (stdin is empty): nothing goes.
  r = agent_->cli({"system", "prune"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("nothing pruned"), std::string::npos) << r.describe();
  EXPECT_EQ(folders(*agent_, "gone_b.").size(), 2u);
  // Written a moment ago, so not older than an hour: nothing goes.
  r = agent_->cli({"system", "prune", "--until", "1h", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("removed 0 task folders"), std::string::npos) << r.out;
  EXPECT_EQ(folders(*agent_, "gone_b.").size(), 2u);

  r = agent_->cli({"system", "prune", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("removed 2 task folders"), std::string::npos) << r.out;
  EXPECT_TRUE(folders(*agent_, "gone_b.").empty());
  EXPECT_EQ(folders(*agent_, "keep_c.").size(), 1u) << "a live task keeps its folder";
  auto keep_after = running_tasks(agent_->tasks("keep_c"));
  ASSERT_EQ(keep_after.size(), 1u);
  EXPECT_EQ(keep_after[0].value("pid", 0), keep_before[0].value("pid", -1))
      << "the live task kept running";
  auto logs = agent_->cli({"service", "logs", "keep_c"});
  EXPECT_EQ(logs.exit_code, 0) << logs.describe();
}

TEST_F(system_disk, bad_input_gets_a_sentence) {
  auto r = agent_->cli({"system", "prune", "--until", "soon", "--force"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("--until takes a duration"), std::string::npos) << r.describe();
  r = agent_->cli({"system", "df", "extra"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  auto bare = agent_->cli({"system"});
  EXPECT_EQ(bare.exit_code, 0) << bare.describe();
  EXPECT_NE(bare.out.find("prune"), std::string::npos) << bare.out;
}

} // namespace
} // namespace troupe::itest
