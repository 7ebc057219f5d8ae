// Failures of a three-manager, two-worker cluster of real processes: a killed
// leader is replaced and loses no acknowledged write, and catches up when it
// comes back; a killed worker's tasks move to the other worker; without a
// majority writes fail with a plain sentence while tasks keep running.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <set>
#include <thread>

#include "tests/integration/cluster_harness.hpp"

namespace troupe::itest {
namespace {

using cluster_failover = cluster_test;

std::set<int> pids_of(const std::vector<json>& tasks) {
  std::set<int> pids;
  for (const auto& t : tasks)
    pids.insert(t.value("pid", 0));
  return pids;
}

/// Retries `args` through `manager` until it exits 0 or timeout_ms passes.
run_result write_until_ok(const local_cluster& c, const std::string& manager,
                          const std::vector<std::string>& args, int timeout_ms) {
  run_result last;
  wait_until([&] { return (last = c.cli(manager, args, 15000)).exit_code == 0; },
             timeout_ms, 250);
  return last;
}

TEST_F(cluster_failover, killed_leader_is_replaced_keeps_acknowledged_writes_and_catches_up) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());

  // A writer deploys stacks through the leader one after another; the leader
  // is killed after its third acknowledgement, likely with a write in flight.
  // Only the main thread kills; only the writer runs commands until joined.
  std::vector<std::string> acknowledged;
  std::atomic<int> acks{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 10 && !stop; ++i) {
      auto stack = "kept" + std::to_string(i);
      auto file = cluster_->file(stack + ".toml",
                                 "[stack]\nname = \"" + stack + "\"\n\n[services.loop]\n"
                                 "command = [\"/bin/sh\", \"-c\", \"sleep 1000\"]\n"
                                 "replicas = 0\n");
      if (cluster_->cli(leader, {"stack", "deploy", file, "-d"}, 20000).exit_code == 0) {
        acknowledged.push_back(stack + "_loop");
        ++acks;
      }
    }
  });
  bool three = wait_until([&] { return acks >= 3; }, 30000, 5);
  stop = true;
  cluster_->kill9(leader);
  writer.join();  // a write in flight to the dead leader times out (10s)
  ASSERT_TRUE(three) << "the leader acknowledged " << acks << " writes in 30s";

  auto survivors = cluster_->managers_except({leader});
  auto next = cluster_->wait_leader(survivors, 30000, leader);
  ASSERT_FALSE(next.empty()) << "the survivors elected no new leader within 30s";

  auto through = survivors.back();
  auto r = write_until_ok(*cluster_, through,
                          {"service", "scale", acknowledged.front() + "=1", "-d"}, 15000);
  ASSERT_EQ(r.exit_code, 0) << "no write succeeded through " << through << " within 15s: "
                            << r.describe();
  for (const auto& m : survivors)
    for (const auto& name : acknowledged)
      EXPECT_TRUE(cluster_->service(m, name).is_object())
          << "acknowledged service " << name << " is missing on " << m;
  EXPECT_TRUE(wait_until([&] {
    return cluster_->service(through, acknowledged.front()).value("replicas_running", -1) == 1;
  }, 30000, 250));

  // the old leader restarts on its data dir and applies what it missed
  ASSERT_TRUE(cluster_->start(leader, &error)) << error;
  auto s = cluster_->status(next);
  ASSERT_TRUE(s.is_object());
  auto commit = s.value("commit_index", uint64_t{0});
  json mine;
  bool caught_up = wait_until([&] {
    mine = cluster_->status(leader);
    return mine.is_object() && mine.value("applied_index", uint64_t{0}) >= commit;
  }, 30000, 250);
  EXPECT_TRUE(caught_up) << "leader's commit " << commit << "; restarted: " << mine.dump();
  EXPECT_EQ(cluster_->agreed_leader(cluster_->managers()).empty(), false);
  for (const auto& name : acknowledged)
    EXPECT_TRUE(cluster_->service(leader, name).is_object()) << name;
}

TEST_F(cluster_failover, tasks_keep_running_untouched_across_a_leader_failover) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto marker = "troupe-cluster-steady-" + std::to_string(getpid());
  auto r = cluster_->cli(leader, {"stack", "deploy", loop_stack("steady", 2, marker),
                                  "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto pids = pids_of(running_tasks(cluster_->cli_json(leader, {"service", "ps", "steady_loop"})));
  ASSERT_EQ(pids.size(), 2u);

  cluster_->kill9(leader);
  auto survivors = cluster_->managers_except({leader});
  auto next = cluster_->wait_leader(survivors, 30000, leader);
  ASSERT_FALSE(next.empty()) << "the survivors elected no new leader within 30s";
  // the workers join the new leader; their tasks are neither restarted nor doubled
  EXPECT_TRUE(wait_until([&] {
    auto ready = cluster_->ready_nodes(next);
    return ready.count("w1") > 0 && ready.count("w2") > 0;
  }, 15000, 250)) << cluster_->cli(next, {"node", "ls"}).describe();
  json tasks;
  EXPECT_TRUE(wait_until([&] {
    tasks = cluster_->cli_json(next, {"service", "ps", "steady_loop"});
    return pids_of(running_tasks(tasks)) == pids;
  }, 15000, 250)) << tasks.dump(2);
  EXPECT_EQ(processes_with(marker), pids);
  EXPECT_EQ(cluster_->service(next, "steady_loop").value("replicas_running", -1), 2);
}

TEST_F(cluster_failover, killed_worker_tasks_move_to_the_other_worker) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto marker = "troupe-cluster-move-" + std::to_string(getpid());
  auto r = cluster_->cli("m1", {"stack", "deploy", loop_stack("move", 4, marker),
                                "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto before = running_tasks(cluster_->cli_json("m1", {"service", "ps", "move_loop"}));
  ASSERT_EQ(before.size(), 4u);
  std::set<int> on_w1;
  for (const auto& t : before)
    if (t.value("node", "") == "w1")
      on_w1.insert(t.value("pid", 0));
  ASSERT_FALSE(on_w1.empty()) << "no task on w1 to move";

  cluster_->kill9("w1");
  auto killed_at = now_ms();
  std::vector<json> after;
  bool moved = wait_until([&] {
    if (cluster_->service("m1", "move_loop").value("replicas_running", -1) != 4)
      return false;
    after = running_tasks(cluster_->cli_json("m1", {"service", "ps", "move_loop"}));
    return after.size() == 4 && std::all_of(after.begin(), after.end(), [](const json& t) {
      return t.value("node", "") == "w2";
    });
  }, 15000, 250);
  ASSERT_TRUE(moved) << cluster_->cli("m1", {"service", "ps", "move_loop"}).describe();
  std::cerr << "[cluster] w1's tasks run on w2 " << now_ms() - killed_at
            << "ms after the kill\n";
  auto restarted_at = now_ms();

  ASSERT_TRUE(cluster_->start("w1", &error)) << error;
  EXPECT_TRUE(wait_until([&] { return cluster_->ready_nodes("m1").count("w1") > 0; },
                         30000, 250))
      << cluster_->cli("m1", {"node", "ls"}).describe();
  // the restarted agent stops the processes of the tasks that moved away
  EXPECT_TRUE(wait_until([&] {
    return std::none_of(on_w1.begin(), on_w1.end(), [](int p) { return process_alive(p); });
  }, 30000, 250)) << "leftover task processes of w1 still run";
  EXPECT_EQ(cluster_->service("m1", "move_loop").value("replicas_running", -1), 4);
  EXPECT_TRUE(wait_until([&] {
    auto now = running_tasks(cluster_->cli_json("m1", {"service", "ps", "move_loop"}));
    return now.size() == 4 && processes_with(marker) == pids_of(now);
  }, 30000, 250)) << "processes of the service other than its four running tasks";
  std::cerr << "[cluster] w1 rejoined and its leftovers stopped " << now_ms() - restarted_at
            << "ms after its restart\n";
}

// A worker that dies together with the leader never joins the new leader:
// the new leader's dispatcher starts a heartbeat deadline for every node it
// inherits as ready, so the worker is marked down and its tasks replaced.
TEST_F(cluster_failover,
       worker_killed_with_the_leader_has_its_tasks_moved_by_the_new_leader) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto r = cluster_->cli(leader, {"stack", "deploy", loop_stack("both", 4, "troupe-both"),
                                  "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  // w1 dies while the leader does: only the new leader can notice it is gone
  cluster_->kill9("w1");
  cluster_->kill9(leader);
  auto next = cluster_->wait_leader(cluster_->managers_except({leader}), 30000, leader);
  ASSERT_FALSE(next.empty()) << "the survivors elected no new leader within 30s";
  std::vector<json> after;
  bool moved = wait_until([&] {
    after = running_tasks(cluster_->cli_json(next, {"service", "ps", "both_loop"}));
    return after.size() == 4 && std::all_of(after.begin(), after.end(), [](const json& t) {
      return t.value("node", "") == "w2";
    });
  }, 20000, 250);
  EXPECT_TRUE(moved) << cluster_->cli(next, {"service", "ps", "both_loop"}).describe()
                     << cluster_->cli(next, {"node", "ls"}).describe();
  EXPECT_EQ(cluster_->ready_nodes(next).count("w1"), 0u);
}

/// Two of three managers are killed: the leader and a follower, or both
/// followers (then the leader must notice it leads nobody).
class cluster_minority : public cluster_test {
protected:
  void lose_majority(bool leader_survives);
};

TEST_F(cluster_minority, follower_left_alone_refuses_writes_and_tasks_keep_running) {
  lose_majority(false);
}

TEST_F(cluster_minority, leader_left_alone_refuses_writes_and_tasks_keep_running) {
  lose_majority(true);
}

void cluster_minority::lose_majority(bool leader_survives) {
  std::string error;
  ASSERT_TRUE(cluster_->start_all(&error)) << error;
  auto leader = cluster_->wait_leader(cluster_->managers(), 30000);
  ASSERT_FALSE(leader.empty());
  auto marker = "troupe-cluster-minority-" + std::to_string(getpid());
  auto r = cluster_->cli(leader, {"stack", "deploy", loop_stack("minor", 2, marker),
                                  "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto pids = pids_of(running_tasks(cluster_->cli_json(leader, {"service", "ps", "minor_loop"})));
  ASSERT_EQ(pids.size(), 2u);

  // two managers die: the last one is a minority
  auto others = cluster_->managers_except({leader});
  auto gone = others.front();
  auto survivor = leader_survives ? leader : others.back();
  for (const auto& m : cluster_->managers())
    if (m != survivor)
      cluster_->kill9(m);

  const std::vector<std::string> write{"service", "scale", "minor_loop=3", "-d"};
  run_result last;
  bool any_ok = false;
  auto started = now_ms();
  bool plain = wait_until([&] {
    last = cluster_->cli(survivor, write, 15000);
    any_ok = any_ok || last.exit_code == 0;
    auto text = last.out + last.err;
    return last.exit_code == 1 && (text.find("no leader") != std::string::npos
                                   || text.find("majority") != std::string::npos);
  }, 15000, 250);
  EXPECT_FALSE(any_ok) << "a write succeeded without a majority";
  EXPECT_TRUE(plain) << "after " << now_ms() - started << "ms: " << last.describe();
  std::cerr << "[cluster] without a majority, after " << now_ms() - started
            << "ms: " << last.err;
  for (int p : pids)
    EXPECT_TRUE(process_alive(p)) << "task process " << p << " died without a majority";

  // one manager back: a majority again
  ASSERT_TRUE(cluster_->start(gone, &error)) << error;
  auto ok = write_until_ok(*cluster_, survivor, write, 20000);
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_TRUE(wait_until([&] {
    return cluster_->service(survivor, "minor_loop").value("replicas_running", -1) == 3;
  }, 30000, 250));
}

} // namespace
} // namespace troupe::itest
