// A node whose agent is killed (kill -9) leaves its containers running; when
// the agent starts again on the same data dir it stops those leftovers from
// their records and runs the tasks afresh, so the service never runs more
// replicas than desired.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

namespace fs = std::filesystem;



/// The pid of the `troupe agent` child of this test running on `data_dir`.
int agent_pid(const std::string& data_dir) {
  for (int pid : processes_with("--data-dir " + data_dir + " ")) {
    auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close != std::string::npos
        && std::atoi(stat.c_str() + close + 4) == getpid())  // ") S PPID"
      return pid;
  }
  return 0;
}

std::set<int> pids_of(const std::vector<json>& tasks) {
  std::set<int> pids;
  for (const auto& t : tasks)
    pids.insert(t.value("pid", 0));
  return pids;
}

/// Container records in the node's task folders.
size_t records_under(const std::string& data_dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(data_dir + "/tasks", ec))
    n += fs::exists(dir.path() / "container.record") ? 1 : 0;
  return n;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

using worker_restart = agent_test;

TEST_F(worker_restart, killed_agent_stops_its_leftover_containers_when_it_starts_again) {
  const std::string marker = "troupe-leftover-marker-" + std::to_string(getpid());
  auto file = stack_file("left.toml",
                         "[stack]\nname = \"left\"\n\n"
                         "[services.loop]\n"
                         "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\", \"" +
                             marker + "\"]\n"
                         "replicas = 2\nstop_grace_period = \"2s\"\n");
  auto r = agent_->cli({"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto before = running_tasks(agent_->tasks("left_loop"));
  ASSERT_EQ(before.size(), 2u);
  auto old_pids = pids_of(before);
  ASSERT_EQ(processes_with(marker), old_pids);
  EXPECT_EQ(records_under(agent_->data_dir()), 2u);

  // kill -9 the agent: its containers live on in their own sessions
  int pid = agent_pid(agent_->data_dir());
  ASSERT_GT(pid, 0) << "cannot find the agent process";
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  for (int p : old_pids)
    EXPECT_TRUE(process_alive(p)) << "task process " << p << " died with its agent";

  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
  std::vector<json> after;
  bool back = wait_until([&] {
    if (agent_->service("left_loop").value("replicas_running", -1) != 2)
      return false;
    after = running_tasks(agent_->tasks("left_loop"));
    auto pids = pids_of(after);
    return after.size() == 2 && pids.size() == 2 &&
           std::none_of(pids.begin(), pids.end(),
                        [&](int p) { return old_pids.count(p) > 0 || !process_alive(p); });
  }, 30000, 200);
  ASSERT_TRUE(back) << agent_->tasks("left_loop").dump(2);

  for (int p : old_pids)
    EXPECT_FALSE(process_alive(p)) << "leftover task process " << p << " still runs";
  auto new_pids = pids_of(after);
  EXPECT_EQ(processes_with(marker), new_pids)
      << "processes of the service other than its two running tasks";
  EXPECT_EQ(agent_->service("left_loop").value("replicas_running", -1), 2);
  auto log = agent_->log();
  EXPECT_EQ(count_of(log, "agent: stopped leftover container left_loop."), 2u) << log;
  EXPECT_EQ(count_of(log, "from an earlier run"), 2u) << log;

  // containers stopped the normal way leave no record behind
  auto rm = agent_->cli({"stack", "rm", "left"});
  ASSERT_EQ(rm.exit_code, 0) << rm.describe();
  EXPECT_TRUE(wait_until([&] { return processes_with(marker).empty(); }, 30000));
  EXPECT_TRUE(wait_until([&] { return records_under(agent_->data_dir()) == 0; }, 30000))
      << records_under(agent_->data_dir()) << " records left";
}

} // namespace
} // namespace troupe::itest
