// One agent per data dir: a second agent on a data dir in use refuses at once
// with one sentence naming the holder's pid, and the first keeps serving.
// A damaged data dir is made consistent by `troupe agent --recover`.
#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using data_dir = agent_test;

std::string keep_stack(int replicas) {
  return "[stack]\nname = \"keep\"\n\n[services.loop]\n"
         "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\"]\n"
         "replicas = " + std::to_string(replicas) + "\nstop_grace_period = \"2s\"\n";
}

TEST_F(data_dir, a_second_agent_on_the_same_data_dir_refuses_naming_the_holder) {
  auto file = stack_file("keep.toml", keep_stack(1));
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto before = running_tasks(agent_->tasks("keep_loop"));
  ASSERT_EQ(before.size(), 1u);

  auto other_api = "127.0.0.1:" + std::to_string(free_port());
  auto started = now_ms();
  auto second = run_command({TROUPE_BINARY, "agent", "--role", "standalone", "--name", "n1",
                             "--config", agent_->config_path(), "--data-dir",
                             agent_->data_dir(), "--api", other_api},
                            dir_.path(), 20000);
  EXPECT_FALSE(second.timed_out) << "the second agent kept running";
  EXPECT_EQ(second.exit_code, 1) << second.describe();
  EXPECT_LT(now_ms() - started, 10000) << "refusing took too long";
  EXPECT_NE(second.err.find("in use by another troupe agent (pid "
                            + std::to_string(agent_->pid()) + ")"),
            std::string::npos)
      << second.describe();
  EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1) << second.err;

  // The first node is untouched: same task, same process.
  auto after = running_tasks(agent_->tasks("keep_loop"));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].value("id", ""), before[0].value("id", ""));
  EXPECT_EQ(after[0].value("pid", 0), before[0].value("pid", 0));
  EXPECT_TRUE(process_alive(before[0].value("pid", 0)));
}

// A damaged Raft log (a gap near its end) stops the node with a sentence
// that points to --recover; with it, the node keeps the log before the gap,
// says what it did, starts, and serves the stack from the kept log.
TEST_F(data_dir, recover_keeps_the_sound_log_and_the_node_serves_it) {
  auto file = stack_file("keep.toml", keep_stack(2));
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  int code = -1;
  ASSERT_TRUE(agent_->stop(&code));
  auto raft_db = agent_->data_dir() + "/manager/raft.db";
  auto gap = run_command({"sqlite3", raft_db,
                          "DELETE FROM raft_entries WHERE idx = (SELECT MAX(idx) - 1 FROM "
                          "raft_entries); SELECT MAX(idx) FROM raft_entries;"},
                         dir_.path(), 30000);
  ASSERT_EQ(gap.exit_code, 0) << gap.describe();
  int last = std::atoi(gap.out.c_str());
  ASSERT_GT(last, 3) << gap.describe();

  auto refused = run_command({TROUPE_BINARY, "agent", "--role", "standalone", "--name", "n1",
                              "--config", agent_->config_path(), "--data-dir",
                              agent_->data_dir(), "--api", agent_->host()},
                             dir_.path(), 20000);
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
  EXPECT_NE(refused.err.find(raft_db + " is damaged: its log from index 1 to "
                             + std::to_string(last) + " misses 1 entries"),
            std::string::npos) << refused.describe();
  EXPECT_NE(refused.err.find("--recover"), std::string::npos) << refused.describe();

  std::string error;
  ASSERT_TRUE(agent_->start(&error, {"--recover"})) << error;
  auto log = agent_->log();
  EXPECT_NE(log.find("troupe: recover: moved the damaged raft.db aside to " + raft_db
                     + ".damaged-"), std::string::npos) << log;
  EXPECT_NE(log.find("troupe: recover: kept the Raft log up to index "
                     + std::to_string(last - 2)), std::string::npos) << log;
  EXPECT_NE(log.find("troupe: recover: moved state.db aside"), std::string::npos) << log;
  // the stack deployed early in the log survives; the node runs it again
  EXPECT_TRUE(agent_->service("keep_loop").is_object()) << agent_->cli({"service", "ls"}).out;
  auto again = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(running_tasks(agent_->tasks("keep_loop")).size(), 2u);
}

} // namespace
} // namespace troupe::itest
