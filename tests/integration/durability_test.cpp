// What is deployed survives a restart of the node on the same data dir.
#include <algorithm>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using durability = agent_test;

// With --stop-tasks, SIGTERM stops the tasks as well (without it they keep
// running: reattach_test.cpp); they run again when the node starts.
TEST_F(durability, stack_survives_an_agent_restart_and_tasks_run_again) {
  int code = -1;
  std::string error;
  ASSERT_TRUE(agent_->stop(&code));
  ASSERT_TRUE(agent_->start(&error, {"--stop-tasks"})) << error;
  auto file = stack_file("keep.toml",
                         "[stack]\nname = \"keep\"\n\n"
                         "[services.loop]\n"
                         "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\"]\n"
                         "replicas = 2\nstop_grace_period = \"2s\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto before = running_tasks(agent_->tasks("keep_loop"));
  ASSERT_EQ(before.size(), 2u);

  ASSERT_TRUE(agent_->stop(&code)) << "the agent did not stop on SIGTERM within 30s";
  EXPECT_EQ(code, 0) << agent_->log();
  for (const auto& t : before)
    EXPECT_FALSE(process_alive(t.value("pid", 0))) << "task outlived its node: " << t.dump();
  EXPECT_TRUE(processes_under(agent_->data_dir()).empty());

  ASSERT_TRUE(agent_->start(&error)) << error;
  auto stacks = agent_->cli_json({"stack", "ls"});
  ASSERT_TRUE(stacks.is_array());
  ASSERT_EQ(stacks.size(), 1u) << stacks.dump();
  EXPECT_EQ(stacks[0].value("name", ""), "keep");
  EXPECT_EQ(stacks[0].value("services", 0), 1);

  json service;
  bool back = wait_until([&] {
    service = agent_->service("keep_loop");
    return service.value("replicas_running", -1) == 2;
  }, 30000, 200);
  EXPECT_TRUE(back) << service.dump();
  EXPECT_EQ(service.value("replicas_desired", -1), 2);
  auto after = running_tasks(agent_->tasks("keep_loop"));
  ASSERT_EQ(after.size(), 2u);
  for (const auto& t : after)
    EXPECT_TRUE(process_alive(t.value("pid", 0))) << t.dump();
}

// state.db is a checkpoint written in batches after the Raft log's fsync:
// a node killed right after acknowledging writes has them all after its
// restart (the store loads the checkpoint, Raft replays the rest).
TEST_F(durability, acknowledged_writes_survive_a_sigkill_before_the_checkpoint) {
  auto file = stack_file("acked.toml",
                         "[stack]\nname = \"acked\"\n\n"
                         "[services.idle]\n"
                         "command = [\"/bin/sh\", \"-c\", \"sleep 600\"]\n"
                         "replicas = 1\nstop_grace_period = \"1s\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  for (int replicas = 2; replicas <= 6; ++replicas) {
    r = agent_->cli({"service", "scale", "acked_idle=" + std::to_string(replicas), "--detach"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();  // acknowledged
  }
  agent_->crash();  // within the checkpoint interval of the last write
  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  auto service = agent_->service("acked_idle");
  ASSERT_TRUE(service.is_object()) << "the acknowledged stack is gone";
  EXPECT_EQ(service.value("replicas_desired", -1), 6) << service.dump();
}

} // namespace
} // namespace troupe::itest
