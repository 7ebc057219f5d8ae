// `troupe console` against a standalone node with the process driver: the
// supervision tree after a deploy, `top` sorted, `kill` of a task actor (the
// supervisor restarts it and counts it), `cluster` against `cluster status`,
// and the interactive console driven through tmux.
#include <unistd.h>

#include <algorithm>

#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

std::string sleeper_stack() {
  return "[stack]\nname = \"con\"\n\n"
         "[services.sleeper]\n"
         "command = [\"sleep\", \"1000\"]\n"
         "replicas = 2\n";
}

class console : public agent_test {
protected:
  void deploy() {
    auto r = agent_->cli({"stack", "deploy", stack_file("con.toml", sleeper_stack()),
                          "--timeout", "60s"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }
  json tree() { return agent_->cli_json({"console", "--exec", "tree"}); }
  static std::vector<json> of_kind(const json& t, const std::string& kind) {
    std::vector<json> out;
    if (t.is_object())
      for (const auto& a : t["actors"])
        if (a.value("kind", "") == kind)
          out.push_back(a);
    return out;
  }
  static bool running(const json& task) {
    return task.value("summary", "").rfind("running, container", 0) == 0;
  }
};

TEST_F(console, exec_tree_top_kill_cluster) {
  deploy();
  // tree: node -> agent -> supervisor -> 2 running task actors.
  json t;
  ASSERT_TRUE(wait_until([&] {
    t = tree();
    auto tasks = of_kind(t, "task");
    return tasks.size() == 2 && std::all_of(tasks.begin(), tasks.end(), running);
  }, 30000)) << t.dump(2);
  auto nodes = of_kind(t, "node");
  auto agents = of_kind(t, "agent");
  auto sups = of_kind(t, "supervisor");
  ASSERT_EQ(nodes.size(), 1u);
  ASSERT_EQ(agents.size(), 1u);
  ASSERT_EQ(sups.size(), 1u);
  EXPECT_EQ(t["actors"][0]["id"], nodes[0]["id"]) << "the node is the root";
  EXPECT_EQ(nodes[0]["depth"], 0);
  EXPECT_EQ(agents[0]["parent"], nodes[0]["id"]);
  EXPECT_EQ(sups[0]["parent"], agents[0]["id"]);
  for (const auto& task : of_kind(t, "task")) {
    EXPECT_EQ(task["parent"], sups[0]["id"]);
    EXPECT_EQ(task["depth"], 3);
    EXPECT_EQ(task["name"].get<std::string>().rfind("task/con_sleeper.", 0), 0u);
  }
  EXPECT_EQ(of_kind(t, "service").at(0)["summary"], "desired 2, running 2");
  auto text = agent_->cli({"console", "--exec", "tree"});
  ASSERT_EQ(text.exit_code, 0) << text.describe();
  EXPECT_NE(text.out.find("│   └── supervisor/"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("[task #"), std::string::npos) << text.out;

  // top --sort mailbox: sorted, largest first.
  auto top = agent_->cli_json({"console", "--exec", "top --sort mailbox --limit 50"});
  ASSERT_TRUE(top.is_array());
  ASSERT_GE(top.size(), 8u);
  for (size_t i = 1; i < top.size(); ++i)
    EXPECT_GE(top[i - 1]["mailbox"].get<uint64_t>(), top[i]["mailbox"].get<uint64_t>());

  // kill a task actor by name prefix: the supervisor restarts it, counted.
  auto victim = of_kind(t, "task").at(0);
  auto name = victim["name"].get<std::string>();
  auto ambiguous = agent_->cli({"console", "--exec", "kill task/con_sleeper"});
  EXPECT_EQ(ambiguous.exit_code, 1);
  EXPECT_NE(ambiguous.err.find("matches 2 actors"), std::string::npos) << ambiguous.err;
  auto k = agent_->cli({"console", "--exec", "kill " + name});
  ASSERT_EQ(k.exit_code, 0) << k.describe();
  json again;
  ASSERT_TRUE(wait_until([&] {
    again = tree();
    for (const auto& task : of_kind(again, "task"))
      if (task["name"] == name)
        return task["id"] != victim["id"] && task["restarts"] == 1 && running(task);
    return false;
  }, 30000)) << again.dump(2);
  auto inspect = agent_->cli_json({"console", "--exec", "inspect " + name});
  EXPECT_NE(inspect.value("last_error", "").find("killed from the console"),
            std::string::npos)
    << inspect.dump(2);
  EXPECT_EQ(agent_->service("con_sleeper").value("replicas_running", 0), 2);

  // cluster agrees with `troupe cluster status`.
  auto c = agent_->cli_json({"console", "--exec", "cluster"});
  auto s = agent_->cli_json({"cluster", "status"});
  ASSERT_TRUE(c.is_object() && s.is_object());
  EXPECT_EQ(c["leader"], s["leader"]);
  EXPECT_EQ(c["term"], s["term"]);
  EXPECT_EQ(c["members"].size(), s["members"].size());
  EXPECT_EQ(c["members"][0]["lag"], 0);
}

TEST_F(console, interactive_in_tmux) {
  deploy();
  auto sock = "troupe-console-" + std::to_string(getpid());
  auto tmux = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"tmux", "-L", sock};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path(), 10000);
  };
  auto r = tmux({"new-session", "-d", "-x", "200", "-y", "50", "-s", "c",
                 std::string{TROUPE_BINARY} + " console --host " + agent_->host()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto screen = [&] { return tmux({"capture-pane", "-p", "-t", "c"}).out; };
  std::string shown;
  EXPECT_TRUE(wait_until([&] {
    shown = screen();
    return shown.find("n1>") != std::string::npos;
  }, 15000)) << shown;
  tmux({"send-keys", "-t", "c", "tree", "Enter"});
  EXPECT_TRUE(wait_until([&] {
    shown = screen();
    return shown.find("supervisor/") != std::string::npos
           && shown.find("task/con_sleeper.") != std::string::npos;
  }, 15000)) << shown;
  tmux({"send-keys", "-t", "c", "quit", "Enter"});
  EXPECT_TRUE(wait_until([&] {
    return tmux({"has-session", "-t", "c"}).exit_code != 0;
  }, 15000)) << screen();
  tmux({"kill-server"});
}

} // namespace
} // namespace troupe::itest
