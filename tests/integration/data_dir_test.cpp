// One agent per data dir: a second agent on a data dir in use refuses at once
// with one sentence naming the holder's pid, and the first keeps serving.
#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using data_dir = agent_test;

TEST_F(data_dir, a_second_agent_on_the_same_data_dir_refuses_naming_the_holder) {
  auto file = stack_file("keep.toml",
                         "[stack]\nname = \"keep\"\n\n"
                         "[services.loop]\n"
                         "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\"]\n"
                         "replicas = 1\nstop_grace_period = \"2s\"\n");
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

} // namespace
} // namespace troupe::itest
