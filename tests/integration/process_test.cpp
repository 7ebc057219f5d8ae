// A standalone node with the process driver, driven through the CLI:
// deploy, redeploy, scale, logs, stack rm, node ls.
#include <algorithm>
#include <set>
#include <sstream>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

std::string greeter_stack(const std::string& greeting, int replicas = 2) {
  return "[stack]\nname = \"hello\"\n\n"
         "[services.greeter]\n"
         "command = [\"/bin/sh\", \"-c\", \"while true; do echo $GREETING from "
         "$TROUPE_TASK_SLOT; sleep 0.3; done\"]\n"
         "replicas = " + std::to_string(replicas) + "\n"
         "stop_grace_period = \"2s\"\n"
         "env = { GREETING = \"" + greeting + "\" }\n\n"
         "[services.greeter.update]\nmonitor = \"500ms\"\n";
}

std::set<std::string> ids_of(const std::vector<json>& tasks) {
  std::set<std::string> ids;
  for (const auto& t : tasks)
    ids.insert(t.value("id", ""));
  return ids;
}

std::set<int> pids_of(const std::vector<json>& tasks) {
  std::set<int> pids;
  for (const auto& t : tasks)
    pids.insert(t.value("pid", 0));
  return pids;
}

bool all_gone(const std::set<int>& pids) {
  return std::none_of(pids.begin(), pids.end(), process_alive);
}

class process_driver : public agent_test {
protected:
  run_result deploy(const std::string& text, const std::string& file = "hello.toml") {
    return agent_->cli({"stack", "deploy", stack_file(file, text), "--timeout", "60s"});
  }
  // Running tasks of hello_greeter once exactly `n` run; empty on timeout.
  std::vector<json> wait_running(int n) {
    std::vector<json> running;
    wait_until([&] {
      running = running_tasks(agent_->tasks("hello_greeter"));
      return static_cast<int>(running.size()) == n;
    }, 30000);
    return static_cast<int>(running.size()) == n ? running : std::vector<json>{};
  }
};

TEST_F(process_driver, deploy_runs_two_replicas_with_logs) {
  auto r = deploy(greeter_stack("hello"));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("hello_greeter: 2/2 running"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stack hello deployed: 1 service converged"), std::string::npos)
      << r.out;

  auto service = agent_->service("hello_greeter");
  ASSERT_TRUE(service.is_object());
  EXPECT_EQ(service.value("replicas_running", -1), 2);
  EXPECT_EQ(service.value("replicas_desired", -1), 2);
  EXPECT_EQ(service.value("driver", ""), "process");
  EXPECT_EQ(service.value("stack", ""), "hello");

  auto running = running_tasks(agent_->tasks("hello_greeter"));
  ASSERT_EQ(running.size(), 2u);
  std::set<int> slots;
  for (const auto& t : running) {
    slots.insert(t.value("slot", 0));
    int pid = t.value("pid", 0);
    EXPECT_GT(pid, 0) << t.dump();
    EXPECT_TRUE(process_alive(pid)) << "pid " << pid << " of " << t.dump();
    EXPECT_EQ(t.value("node", ""), "n1");
  }
  EXPECT_EQ(slots, (std::set<int>{1, 2}));

  // every line is "TASK_ID | hello from SLOT", both slots show up
  run_result logs;
  bool both = wait_until([&] {
    logs = agent_->cli({"service", "logs", "hello_greeter", "--tail", "5"});
    return logs.exit_code == 0 && logs.out.find("hello from 1") != std::string::npos &&
           logs.out.find("hello from 2") != std::string::npos;
  }, 15000, 300);
  ASSERT_TRUE(both) << logs.describe();
  std::istringstream lines(logs.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    auto bar = line.find(" | ");
    ASSERT_NE(bar, std::string::npos) << line;
    auto id = line.substr(0, bar);
    auto slot = line.substr(line.rfind(' ') + 1);
    EXPECT_EQ(id.rfind("hello_greeter." + slot + ".", 0), 0u) << line;
  }
  EXPECT_LE(count, 10) << "--tail 5 of two tasks printed " << count << " lines";
}

TEST_F(process_driver, redeploy_same_file_changes_nothing_new_env_replaces_tasks) {
  auto text = greeter_stack("hello");
  ASSERT_EQ(deploy(text).exit_code, 0);
  auto before = agent_->service("hello_greeter");
  auto tasks_before = wait_running(2);
  ASSERT_EQ(tasks_before.size(), 2u);

  auto again = deploy(text);
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  auto same = agent_->service("hello_greeter");
  EXPECT_EQ(same.value("version", -1), before.value("version", -2));
  EXPECT_EQ(same.value("spec_version", -1), before.value("spec_version", -2));
  auto tasks_same = running_tasks(agent_->tasks("hello_greeter"));
  EXPECT_EQ(ids_of(tasks_same), ids_of(tasks_before));

  auto changed = deploy(greeter_stack("howdy"));
  ASSERT_EQ(changed.exit_code, 0) << changed.describe();
  auto after = agent_->service("hello_greeter");
  EXPECT_GT(after.value("spec_version", 0), before.value("spec_version", 0)) << after.dump();
  EXPECT_GT(after.value("version", 0), before.value("version", 0)) << after.dump();
  EXPECT_EQ(after.value("replicas_running", -1), 2);
  auto tasks_after = running_tasks(agent_->tasks("hello_greeter"));
  ASSERT_EQ(tasks_after.size(), 2u);
  for (const auto& id : ids_of(tasks_after))
    EXPECT_EQ(ids_of(tasks_before).count(id), 0u) << "task " << id << " was not replaced";
  // the old tasks are history now, and their processes are gone
  auto all = agent_->tasks("hello_greeter");
  for (const auto& t : all)
    if (ids_of(tasks_before).count(t.value("id", ""))) {
      EXPECT_EQ(t.value("state", ""), "shutdown") << t.dump();
    }
  EXPECT_TRUE(wait_until([&] { return all_gone(pids_of(tasks_before)); }, 30000));

  run_result logs;
  EXPECT_TRUE(wait_until([&] {
    logs = agent_->cli({"service", "logs", "hello_greeter", "--tail", "2"});
    return logs.out.find("howdy from") != std::string::npos;
  }, 15000, 300)) << logs.describe();
}

TEST_F(process_driver, scale_up_and_down_follows_counts_and_stops_processes) {
  ASSERT_EQ(deploy(greeter_stack("hello")).exit_code, 0);

  auto up = agent_->cli({"service", "scale", "hello_greeter=4", "--timeout", "60s"});
  ASSERT_EQ(up.exit_code, 0) << up.describe();
  EXPECT_NE(up.out.find("service hello_greeter scaled to 4"), std::string::npos) << up.out;
  EXPECT_EQ(agent_->service("hello_greeter").value("replicas_running", -1), 4);
  auto four = running_tasks(agent_->tasks("hello_greeter"));
  ASSERT_EQ(four.size(), 4u);
  for (int pid : pids_of(four))
    EXPECT_TRUE(process_alive(pid)) << pid;

  auto down = agent_->cli({"service", "scale", "hello_greeter=1", "--timeout", "60s"});
  ASSERT_EQ(down.exit_code, 0) << down.describe();
  auto one = wait_running(1);
  ASSERT_EQ(one.size(), 1u);
  auto service = agent_->service("hello_greeter");
  EXPECT_EQ(service.value("replicas_desired", -1), 1);
  EXPECT_EQ(service.value("replicas_running", -1), 1);
  auto gone = pids_of(four);
  gone.erase(one[0].value("pid", 0));
  EXPECT_EQ(gone.size(), 3u);
  EXPECT_TRUE(wait_until([&] { return all_gone(gone); }, 30000))
      << "scaled-away task processes still run";
  EXPECT_TRUE(process_alive(one[0].value("pid", 0)));
}

TEST_F(process_driver, stack_rm_removes_services_and_processes) {
  ASSERT_EQ(deploy(greeter_stack("hello")).exit_code, 0);
  auto running = wait_running(2);
  ASSERT_EQ(running.size(), 2u);

  auto rm = agent_->cli({"stack", "rm", "hello"});
  ASSERT_EQ(rm.exit_code, 0) << rm.describe();
  EXPECT_EQ(rm.out, "stack hello removed\n");
  EXPECT_TRUE(wait_until([&] { return agent_->cli_json({"service", "ls"}) == json::array(); },
                         30000));
  EXPECT_TRUE(wait_until([&] { return all_gone(pids_of(running)); }, 30000))
      << "task processes outlive their stack";
  EXPECT_EQ(agent_->cli_json({"stack", "ls"}), json::array());
  EXPECT_TRUE(processes_under(agent_->data_dir()).empty());
}

TEST_F(process_driver, node_ls_shows_the_standalone_node_and_its_tasks) {
  ASSERT_EQ(deploy(greeter_stack("hello")).exit_code, 0);
  json node;
  bool counted = wait_until([&] {
    auto nodes = agent_->cli_json({"node", "ls"});
    if (!nodes.is_array() || nodes.size() != 1)
      return false;
    node = nodes[0];
    return node.value("tasks", -1) == 2;
  }, 30000);
  ASSERT_TRUE(node.is_object());
  EXPECT_TRUE(counted) << node.dump();
  EXPECT_EQ(node.value("name", ""), "n1");
  EXPECT_EQ(node.value("role", ""), "standalone");
  EXPECT_EQ(node.value("state", ""), "ready");
  EXPECT_EQ(node.value("availability", ""), "active");
  EXPECT_EQ(node.value("port_min", 0), agent_->port_min());
  ASSERT_TRUE(node["drivers"].is_array()) << node.dump();
  EXPECT_NE(std::find(node["drivers"].begin(), node["drivers"].end(), "process"),
            node["drivers"].end())
      << node.dump();
  EXPECT_TRUE(node["registered_at"].is_string()) << node.dump();
}

} // namespace
} // namespace troupe::itest

namespace troupe::itest {
namespace {

// issue 10, item 10: a command that does not exist never shows as running:
// `service ps` says "restarting in Ns" with no pid, the message gives the
// reason, and the restart delay grows (the backoff applies to failed starts).
TEST_F(process_driver, a_command_that_does_not_exist_is_restarting_with_backoff) {
  auto r = agent_->cli({"stack", "deploy", "-d",
                        stack_file("bad.toml",
                                   "[stack]\nname = \"hello\"\n\n[services.greeter]\n"
                                   "command = [\"no-such-command-troupe\"]\n"
                                   "[services.greeter.restart]\ndelay = \"200ms\"\n")});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string table;
  bool backing_off = wait_until([&] {
    auto ps = agent_->cli({"service", "ps", "hello_greeter"});
    table = ps.out;
    return table.find("restarting in") != std::string::npos
           && table.find("in 3.2s") != std::string::npos;
  }, 30000);
  EXPECT_TRUE(backing_off) << table;
  EXPECT_NE(table.find("cannot run 'no-such-command-troupe'"), std::string::npos)
    << table;
  auto tasks = agent_->tasks("hello_greeter");
  ASSERT_TRUE(tasks.is_array() && tasks.size() == 1) << tasks.dump();
  EXPECT_EQ(tasks[0].value("pid", -1), 0) << tasks[0].dump();
  EXPECT_NE(tasks[0].value("state", ""), "running") << tasks[0].dump();
  EXPECT_TRUE(running_tasks(tasks).empty());
}

} // namespace
} // namespace troupe::itest
