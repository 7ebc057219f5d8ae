// Restart policies seen from the CLI: a failing command gives up after its
// attempts; a killed process is started again.
#include <signal.h>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

using restart_policy = agent_test;

TEST_F(restart_policy, failing_task_gives_up_after_max_attempts) {
  auto file = stack_file("fail.toml",
                         "[stack]\nname = \"crash\"\n\n"
                         "[services.exit3]\n"
                         "command = [\"/bin/sh\", \"-c\", \"exit 3\"]\n"
                         "replicas = 1\n\n"
                         "[services.exit3.restart]\n"
                         "condition = \"on-failure\"\nmax_attempts = 2\ndelay = \"100ms\"\n");
  auto started = now_ms();
  auto r = agent_->cli({"stack", "deploy", file, "-d"});
  auto took = now_ms() - started;
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_LT(took, 5000) << "deploy -d waited for the stack";

  json failed;
  bool gave_up = wait_until([&] {
    auto tasks = agent_->tasks("crash_exit3");
    if (!tasks.is_array())
      return false;
    for (const auto& t : tasks)
      if (t.value("state", "") == "failed" && t.value("restarts", 0) == 2) {
        failed = t;
        return true;
      }
    return false;
  }, 30000);
  ASSERT_TRUE(gave_up) << agent_->tasks("crash_exit3").dump(2);
  EXPECT_EQ(failed.value("exit_code", 0), 3) << failed.dump();
  EXPECT_FALSE(failed.value("message", "").empty()) << failed.dump();
  EXPECT_EQ(failed.value("slot", 0), 1);
}

TEST_F(restart_policy, killed_process_is_restarted) {
  auto file = stack_file("loop.toml",
                         "[stack]\nname = \"sturdy\"\n\n"
                         "[services.loop]\n"
                         "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\"]\n"
                         "replicas = 1\nstop_grace_period = \"2s\"\n\n"
                         "[services.loop.restart]\ncondition = \"any\"\ndelay = \"100ms\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto running = running_tasks(agent_->tasks("sturdy_loop"));
  ASSERT_EQ(running.size(), 1u);
  int old_pid = running[0].value("pid", 0);
  int old_restarts = running[0].value("restarts", -1);
  ASSERT_GT(old_pid, 0);
  ASSERT_EQ(kill(old_pid, SIGKILL), 0);

  json now;
  bool restarted = wait_until([&] {
    auto again = running_tasks(agent_->tasks("sturdy_loop"));
    if (again.size() != 1)
      return false;
    now = again[0];
    int pid = now.value("pid", 0);
    return pid > 0 && pid != old_pid && now.value("restarts", 0) > old_restarts;
  }, 30000);
  ASSERT_TRUE(restarted) << agent_->tasks("sturdy_loop").dump(2);
  EXPECT_EQ(now.value("slot", 0), 1);
  EXPECT_TRUE(process_alive(now.value("pid", 0)));
  EXPECT_FALSE(process_alive(old_pid));
  EXPECT_EQ(agent_->service("sturdy_loop").value("replicas_running", -1), 1);
}

// While a task waits out its restart delay, no process runs. Its observed
// state stays RUNNING (states only move forward; the restart is in place),
// but it shows no pid, says when it restarts, and `service ls` does not count
// it as running (else a crash-looping service would look healthy and
// `stack deploy` would report it converged).
TEST_F(restart_policy, task_waiting_to_restart_is_not_counted_as_running) {
  auto file = stack_file("crashloop.toml",
                         "[stack]\nname = \"crashy\"\n\n"
                         "[services.loop]\n"
                         "command = [\"/bin/sh\", \"-c\", \"exit 1\"]\n"
                         "replicas = 1\n\n"
                         "[services.loop.restart]\ncondition = \"any\"\ndelay = \"10s\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "-d"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  json waiting;
  ASSERT_TRUE(wait_until([&] {
    auto tasks = agent_->tasks("crashy_loop");
    if (!tasks.is_array() || tasks.empty() || tasks[0].value("restarts", 0) < 1)
      return false;
    waiting = tasks[0];
    return true;
  }, 30000)) << agent_->tasks("crashy_loop").dump(2);
  // the next start is 10s away: nothing of this service runs now
  EXPECT_EQ(waiting.value("pid", -1), 0) << waiting.dump();
  EXPECT_NE(waiting.value("message", "").find("restarting in 10s"),
            std::string::npos) << waiting.dump();
  EXPECT_EQ(agent_->service("crashy_loop").value("replicas_running", -1), 0);
}

} // namespace
} // namespace troupe::itest
