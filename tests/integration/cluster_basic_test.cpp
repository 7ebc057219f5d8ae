// Three managers and two workers, each its own process: a deploy through a
// follower spreads its tasks over both workers and every manager names the
// same leader; a leader stopped with SIGTERM hands over and exits 0; a worker
// with a wrong join token is refused and says so.
#include <unistd.h>

#include <set>

#include "tests/integration/cluster_harness.hpp"

namespace troupe::itest {
namespace {

using cluster_basic = cluster_test;

TEST_F(cluster_basic, deploy_through_a_follower_spreads_tasks_and_all_managers_name_one_leader) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto follower = cluster_->managers_except({leader}).front();

  auto marker = "troupe-cluster-spread-" + std::to_string(getpid());
  auto r = cluster_->cli(follower, {"stack", "deploy", loop_stack("spread", 4, marker),
                                    "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  auto tasks = running_tasks(cluster_->cli_json(follower, {"service", "ps", "spread_loop"}));
  ASSERT_EQ(tasks.size(), 4u);
  std::set<std::string> nodes;
  for (const auto& t : tasks)
    nodes.insert(t.value("node", ""));
  EXPECT_EQ(nodes, (std::set<std::string>{"w1", "w2"}));
  EXPECT_EQ(processes_with(marker).size(), 4u);

  for (const auto& m : cluster_->managers()) {
    auto s = cluster_->status(m);
    ASSERT_TRUE(s.is_object()) << "cluster status through " << m;
    EXPECT_EQ(s.value("leader", ""), leader) << s.dump();
    EXPECT_EQ(s.value("answered_by", ""), m) << s.dump();
    EXPECT_EQ(s["members"].size(), 3u) << s.dump();
  }
  // every manager reads the same services, whoever answers
  for (const auto& m : cluster_->managers())
    EXPECT_EQ(cluster_->service(m, "spread_loop").value("replicas_running", -1), 4) << m;
}

TEST_F(cluster_basic, a_leader_stopped_with_sigterm_hands_over_and_exits_0) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto r = cluster_->cli(leader, {"stack", "deploy", loop_stack("calm", 1, "troupe-calm"),
                                  "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  cluster_->terminate(leader);
  int code = -2;
  ASSERT_TRUE(cluster_->wait_exit(leader, 30000, &code)) << "the leader still runs 30s after SIGTERM";
  EXPECT_EQ(code, 0) << cluster_->log(leader);
  auto survivors = cluster_->managers_except({leader});
  auto next = cluster_->wait_leader(survivors, 15000, leader);
  ASSERT_FALSE(next.empty()) << "no new leader within 15s of the handover";
  auto scaled = cluster_->cli(survivors.back(), {"service", "scale", "calm_loop=2",
                                                 "--timeout", "30s"});
  EXPECT_EQ(scaled.exit_code, 0) << scaled.describe();
  EXPECT_EQ(cluster_->service(next, "calm_loop").value("replicas_running", -1), 2);
}

TEST_F(cluster_basic, worker_with_a_wrong_join_token_is_refused) {
  for (const auto& m : cluster_->managers()) {
    std::string error;
    ASSERT_TRUE(cluster_->start(m, &error)) << error;
  }
  ASSERT_FALSE(cluster_->wait_leader(cluster_->managers(), 30000).empty());

  auto bad = cluster_->file("bad-token.toml",
                            cluster_->config_text("not-the-cluster-join-token"));
  ASSERT_TRUE(cluster_->spawn("w1", bad));
  int code = 0;
  ASSERT_TRUE(cluster_->wait_exit("w1", 30000, &code))
      << "the worker still runs 30s after it was refused:\n" << cluster_->log("w1");
  EXPECT_NE(code, 0);
  auto log = cluster_->log("w1");
  EXPECT_NE(log.find("refused"), std::string::npos) << log;
  EXPECT_NE(log.find("join token"), std::string::npos) << log;

  bool named = false;
  for (const auto& m : cluster_->managers())
    named = named || cluster_->log(m).find("refused node 'w1'") != std::string::npos;
  EXPECT_TRUE(named) << "no manager log names the refused worker";
  EXPECT_EQ(cluster_->ready_nodes(cluster_->managers().front()).count("w1"), 0u);
}

} // namespace
} // namespace troupe::itest
