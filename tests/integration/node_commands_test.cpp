// `troupe node drain|activate|update` on a standalone node (one node, n1):
// moves are start-first, so draining the only node stops nothing; the
// replacement waits with the scheduler's reason until the node is active.
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

const char* loop_stack =
  "[stack]\nname = \"keep\"\n\n"
  "[services.loop]\n"
  "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.2; done\"]\n"
  "replicas = 1\n"
  "stop_grace_period = \"2s\"\n";

// Tasks of `tasks` (a `service ps` array) that are desired running and have
// not ended: what the service is keeping alive right now.
std::vector<json> live_tasks(const json& tasks) {
  std::vector<json> out;
  if (!tasks.is_array())
    return out;
  for (const auto& t : tasks) {
    auto state = t.value("state", "");
    bool ended = state == "complete" || state == "failed" || state == "shutdown"
                 || state == "rejected" || state == "orphaned";
    if (t.value("desired_state", "") == "running" && !ended)
      out.push_back(t);
  }
  return out;
}

class node_commands : public agent_test {
protected:
  // The running task of keep_loop after a converged deploy.
  json deploy_loop() {
    auto r = agent_->cli({"stack", "deploy", stack_file("keep.toml", loop_stack),
                          "--timeout", "60s"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    auto running = running_tasks(agent_->tasks("keep_loop"));
    EXPECT_EQ(running.size(), 1u);
    return running.empty() ? json() : running[0];
  }
  std::string availability() const {
    auto n = agent_->cli_json({"node", "inspect", "n1"});
    return n.is_object() ? n.value("availability", "") : "";
  }
};

TEST_F(node_commands, draining_the_only_node_keeps_the_old_task_running) {
  json old = deploy_loop();
  ASSERT_TRUE(old.is_object());
  int pid = old.value("pid", 0);

  auto r = agent_->cli({"node", "drain", "n1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "node n1 drained: its tasks move to other nodes\n");
  EXPECT_EQ(availability(), "drain");

  // The replacement is created and cannot be placed anywhere.
  json pending;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& t : live_tasks(agent_->tasks("keep_loop")))
      if (t.value("state", "") == "pending"
          && t.value("message", "").find("is drained") != std::string::npos)
        pending = t;
    return pending.is_object();
  }, 30000)) << agent_->tasks("keep_loop").dump();
  EXPECT_EQ(pending.value("message", ""), "no suitable node (1 node): 1 is drained");
  EXPECT_EQ(pending.value("slot", 0), old.value("slot", -1));

  // Start-first: nothing stopped, the old task still runs the same process.
  auto live = live_tasks(agent_->tasks("keep_loop"));
  ASSERT_EQ(live.size(), 2u);
  for (const auto& t : live)
    if (t.value("id", "") == old.value("id", ""))
      EXPECT_EQ(t.value("state", ""), "running") << t.dump();
  EXPECT_TRUE(process_alive(pid));
  EXPECT_EQ(agent_->service("keep_loop").value("replicas_running", -1), 1);

  // Activating the node again: the service ends with its one replica
  // running and nothing left pending.
  r = agent_->cli({"node", "activate", "n1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "node n1 active: new tasks may be placed on it\n");
  EXPECT_EQ(availability(), "active");
  std::vector<json> settled;
  ASSERT_TRUE(wait_until([&] {
    settled = live_tasks(agent_->tasks("keep_loop"));
    return settled.size() == 1 && settled[0].value("state", "") == "running";
  }, 30000)) << agent_->tasks("keep_loop").dump();
  EXPECT_TRUE(process_alive(settled[0].value("pid", 0)));
  EXPECT_EQ(agent_->service("keep_loop").value("replicas_running", -1), 1);
}

TEST_F(node_commands, label_add_and_remove_show_in_node_inspect) {
  auto r = agent_->cli({"node", "update", "n1", "--label-add", "zone=eu",
                        "--label-add", "disk=ssd"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("node n1 updated"), std::string::npos) << r.out;
  auto n = agent_->cli_json({"node", "inspect", "n1"});
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(n["labels"].value("zone", ""), "eu") << n.dump();
  EXPECT_EQ(n["labels"].value("disk", ""), "ssd") << n.dump();

  r = agent_->cli({"node", "update", "n1", "--label-rm", "disk"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  n = agent_->cli_json({"node", "inspect", "n1"});
  EXPECT_EQ(n["labels"].count("disk"), 0u) << n.dump();
  EXPECT_EQ(n["labels"].value("zone", ""), "eu") << n.dump();
}

TEST_F(node_commands, a_task_whose_constraint_breaks_waits_for_a_fitting_node) {
  auto r = agent_->cli({"node", "update", "n1", "--label-add", "zone=eu"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::string stack = std::string(loop_stack)
                      + "placement = { constraints = [\"node.labels.zone == eu\"] }\n";
  r = agent_->cli({"stack", "deploy", stack_file("keep.toml", stack),
                   "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto running = running_tasks(agent_->tasks("keep_loop"));
  ASSERT_EQ(running.size(), 1u);
  int pid = running[0].value("pid", 0);

  r = agent_->cli({"node", "update", "n1", "--label-rm", "zone"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  json pending;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& t : live_tasks(agent_->tasks("keep_loop")))
      if (t.value("state", "") == "pending"
          && t.value("message", "").find("does not meet") != std::string::npos)
        pending = t;
    return pending.is_object();
  }, 30000)) << agent_->tasks("keep_loop").dump();
  EXPECT_EQ(pending.value("message", ""),
            "no suitable node (1 node): 1 does not meet node.labels.zone == eu");
  EXPECT_TRUE(process_alive(pid)) << "start-first: the old task still runs";

  r = agent_->cli({"node", "update", "n1", "--label-add", "zone=eu"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::vector<json> settled;
  ASSERT_TRUE(wait_until([&] {
    settled = live_tasks(agent_->tasks("keep_loop"));
    return settled.size() == 1 && settled[0].value("state", "") == "running";
  }, 30000)) << agent_->tasks("keep_loop").dump();
  EXPECT_EQ(agent_->service("keep_loop").value("replicas_running", -1), 1);
}

TEST_F(node_commands, bad_requests_fail_with_one_sentence_and_change_nothing) {
  struct row { std::vector<std::string> args; std::string error; };
  std::vector<row> rows = {
      {{"node", "drain", "w9"}, "troupe: no node named 'w9'\n"},
      {{"node", "activate", "w9"}, "troupe: no node named 'w9'\n"},
      {{"node", "update", "w9", "--label-add", "a=b"}, "troupe: no node named 'w9'\n"},
      {{"node", "update", "n1", "--label-add", "zone"},
       "troupe: invalid --label-add \"zone\": expected KEY=VALUE, e.g. zone=eu\n"},
      {{"node", "update", "n1"},
       "troupe: node update needs --label-add KEY=VALUE or --label-rm KEY\n"},
  };
  for (const auto& r : rows) {
    auto result = agent_->cli(r.args);
    EXPECT_EQ(result.exit_code, 1) << result.describe();
    EXPECT_EQ(result.err, r.error) << result.describe();
    EXPECT_EQ(result.out, "");
  }
  auto n = agent_->cli_json({"node", "inspect", "n1"});
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(n.value("availability", ""), "active");
  EXPECT_TRUE(n["labels"].empty()) << n.dump();
}

} // namespace
} // namespace troupe::itest
