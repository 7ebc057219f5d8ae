// `troupe service logs` and `troupe exec` in a cluster: tasks on both
// workers, asked through a follower manager (whose own dispatcher knows no
// worker: the leader's passes the requests on), logs with and without
// --follow, exec with its output, stdin and exit code.
#include <set>

#include "tests/integration/cluster_harness.hpp"

namespace troupe::itest {
namespace {

using cluster_logs = cluster_test;

TEST_F(cluster_logs, follower_shows_and_follows_logs_of_tasks_on_every_worker) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto follower = cluster_->managers_except({leader}).front();
  auto file = cluster_->file(
    "talk.toml",
    "[stack]\nname = \"talk\"\n\n[services.say]\n"
    "command = [\"/bin/sh\", \"-c\", \"while true; do echo line from slot $TROUPE_TASK_SLOT "
    "on $TROUPE_NODE; sleep 0.2; done\"]\nreplicas = 2\n");
  auto r = cluster_->cli(follower, {"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // The nodes the two tasks run on: both workers, unless one was briefly
  // down (a loaded machine) when they were placed; every one must show.
  std::set<std::string> nodes;
  for (const auto& t : cluster_->cli_json(follower, {"service", "ps", "talk_say"}))
    if (t.value("state", "") == "running")
      nodes.insert(t.value("node", ""));
  ASSERT_FALSE(nodes.empty()) << "deploy converged: its tasks run";
  auto both_workers = [nodes](const std::string& out) {
    for (const auto& n : nodes)
      if (out.find("on " + n) == std::string::npos)
        return false;
    return true;
  };
  std::string last;
  EXPECT_TRUE(wait_until([&] {
    last = cluster_->cli(follower, {"service", "logs", "talk_say"}).out;
    return both_workers(last);
  }, 30000)) << last;
  // --follow runs until stopped: stop it after it has shown new lines.
  auto followed = run_command({TROUPE_BINARY, "service", "logs", "talk_say", "--follow",
                               "--tail", "1", "--host", cluster_->api(follower)},
                              cluster_->root(), 3000);
  EXPECT_TRUE(followed.timed_out) << followed.describe();
  EXPECT_TRUE(both_workers(followed.out)) << followed.describe();
  EXPECT_GT(std::count(followed.out.begin(), followed.out.end(), '\n'), 4)
    << "no new lines while following: " << followed.out;
}

TEST_F(cluster_logs, follower_runs_exec_in_tasks_on_every_worker) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto follower = cluster_->managers_except({leader}).front();
  auto file = cluster_->file("ex.toml",
                             "[stack]\nname = \"ex\"\n\n[services.s]\n"
                             "command = [\"sleep\", \"1000\"]\nreplicas = 2\n"
                             "stop_grace_period = \"1s\"\n");
  auto r = cluster_->cli(follower, {"stack", "deploy", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::set<std::string> nodes;
  for (const char* task : {"ex_s.1", "ex_s.2"}) {
    auto x = run_command({"sh", "-c",
                          "echo from-stdin | \"$1\" --host \"$2\" exec -i \"$3\" -- "
                          "sh -c 'cat; echo on $TROUPE_NODE; exit 5'",
                          "sh", TROUPE_BINARY, cluster_->api(follower), task},
                         cluster_->root(), 60000);
    EXPECT_EQ(x.exit_code, 5) << x.describe();
    EXPECT_EQ(x.out.rfind("from-stdin\non w", 0), 0u) << x.describe();
    nodes.insert(x.out.substr(x.out.find("on ") + 3));
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"w1\n", "w2\n"}))
    << "spread over both workers, each reached";
}

} // namespace
} // namespace troupe::itest
