// The command line a Docker user expects (issue 12), against the real
// binary: global options anywhere, a refused port failing at once, version,
// bare groups, service create/rm, stack plan's exit codes and
// --check-index, compose files, task filters and node ps, bash completion. Every client
// runs with XDG_CONFIG_HOME in the test's temp dir (the remembered endpoint).
#include <sstream>

#include "messages/build_info.hpp"
#include "tests/integration/harness.hpp"

namespace troupe::itest {
namespace {

class cli_test : public agent_test {
protected:
  // `troupe ARGS...` with the client state in the temp dir, no --host added.
  run_result troupe(const std::vector<std::string>& args, int timeout_ms = 60000,
                    const std::vector<std::string>& env = {}) const {
    std::vector<std::string> argv{"/usr/bin/env", "XDG_CONFIG_HOME=" + dir_.file("xdg")};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(TROUPE_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path(), timeout_ms);
  }
  std::string host() const { return agent_->host(); }
};

const char* web_stack = R"([stack]
name = "plan"
[services.web]
command = ["sleep", "600"]
replicas = 2
env = { A = "1" }
)";

TEST_F(cli_test, global_options_work_before_and_after_the_command) {
  const std::vector<std::vector<std::string>> lines = {
    {"--host", host(), "--format", "json", "node", "ls"},
    {"node", "--format", "json", "ls", "--host", host()},
    {"-H", host(), "node", "ls", "--format=json", "--timeout", "5s"},
  };
  for (const auto& line : lines) {
    auto r = troupe(line);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    auto parsed = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(parsed.is_array() && parsed.size() == 1) << r.describe();
  }
  auto env = troupe({"--format", "json", "node", "ls"}, 60000, {"TROUPE_HOST=" + host()});
  EXPECT_EQ(env.exit_code, 0) << env.describe();
  auto bad = troupe({"--format", "json", "stack", "rm", "x", "--host", host()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("`troupe stack rm` has no --format"), std::string::npos) << bad.describe();
}

TEST_F(cli_test, a_refused_port_fails_at_once_and_a_list_fails_over) {
  auto closed = "127.0.0.1:" + std::to_string(free_port());
  auto start = now_ms();
  auto r = troupe({"--host", closed, "service", "ls"}, 5000);
  EXPECT_FALSE(r.timed_out) << "a refused connection waited for the request timeout";
  EXPECT_LT(now_ms() - start, 3000);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("cannot reach the node at " + closed + " (connection refused)"),
            std::string::npos) << r.describe();

  auto list = closed + "," + host();
  auto ok = troupe({"-v", "node", "ls", "--host", list});
  ASSERT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_NE(ok.err.find("troupe: answered by " + host()), std::string::npos) << ok.describe();
  EXPECT_EQ(read_file(dir_.file("xdg/troupe/last-endpoint")), host() + "\n");
  // The next client starts from the one that answered: no refused try first.
  auto again = troupe({"-v", "node", "ls", "--host", list});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(again.err, "troupe: answered by " + host() + "\n") << again.describe();
}

TEST_F(cli_test, version_names_both_builds_and_a_bare_group_prints_its_help) {
  auto r = troupe({"version", "--host", host()});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("Client:\n  version "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Server: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(standalone)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("API level " + std::to_string(api_level) + ")"), std::string::npos)
    << r.out;
  EXPECT_EQ(r.err, "") << "the same API level: no sentence";
  auto v = troupe({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("troupe ", 0), 0u) << v.out;

  for (const char* group : {"service", "stack", "node"}) {
    auto help = troupe({group});
    EXPECT_EQ(help.exit_code, 0) << help.describe();
    EXPECT_NE(help.out.find("Subcommands:"), std::string::npos) << help.describe();
    EXPECT_EQ(help.err.find("A subcommand is required"), std::string::npos);
  }
}

TEST_F(cli_test, service_create_and_rm_outside_a_stack_file) {
  auto bad = agent_->cli({"service", "create", "web", "--command", "sleep 600",
                          "--replicas", "x", "--env", "NOEQ"});
  EXPECT_EQ(bad.exit_code, 1) << bad.describe();
  EXPECT_NE(bad.err.find("--env \"NOEQ\": expected KEY=VALUE"), std::string::npos)
    << bad.describe();
  EXPECT_EQ(agent_->cli_json({"stack", "ls"}), json::array()) << "nothing was created";

  auto r = agent_->cli({"service", "create", "web", "--command", "sleep 600", "--replicas",
                        "2", "--env", "A=1", "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("service default_web created"), std::string::npos) << r.out;
  EXPECT_EQ(agent_->service("default_web").value("replicas_running", -1), 2);
  auto two = agent_->cli({"service", "create", "db", "--command", "sleep 600", "-d"});
  ASSERT_EQ(two.exit_code, 0) << two.describe();
  auto stacks = agent_->cli_json({"stack", "ls"});
  ASSERT_EQ(stacks.size(), 1u) << stacks.dump();
  EXPECT_EQ(stacks[0].value("name", ""), "default");
  EXPECT_EQ(stacks[0].value("services", 0), 2);
  auto again = agent_->cli({"service", "create", "web", "--command", "sleep 1"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.describe();

  auto unknown = agent_->cli({"service", "rm", "default_web", "nosuch_x"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.describe();
  EXPECT_TRUE(agent_->service("default_web").is_object()) << "nothing was removed";
  auto rm = agent_->cli({"service", "rm", "default_web"});
  ASSERT_EQ(rm.exit_code, 0) << rm.describe();
  EXPECT_TRUE(agent_->service("default_web").is_null());
  EXPECT_TRUE(agent_->service("default_db").is_object());
  ASSERT_EQ(agent_->cli({"service", "rm", "default_db"}).exit_code, 0);
  EXPECT_EQ(agent_->cli_json({"stack", "ls"}), json::array()) << "an empty stack is removed";
}

TEST_F(cli_test, stack_plan_exit_codes_and_check_index) {
  auto file = stack_file("plan.toml", web_stack);
  auto fresh = agent_->cli({"stack", "plan", file});
  EXPECT_EQ(fresh.exit_code, 2) << fresh.describe();
  EXPECT_NE(fresh.out.find("+ plan_web (new, 2 replicas)"), std::string::npos) << fresh.out;
  ASSERT_EQ(agent_->cli({"stack", "deploy", file, "--timeout", "60s"}).exit_code, 0);

  auto same = agent_->cli({"stack", "plan", file, "--format", "json"});
  EXPECT_EQ(same.exit_code, 0) << same.describe();
  auto plan = json::parse(same.out, nullptr, false);
  ASSERT_TRUE(plan.is_object()) << same.describe();
  EXPECT_EQ(plan["changes"], false);
  uint64_t index = plan.value("index", uint64_t{0});
  EXPECT_GT(index, 0u);

  std::string changed = web_stack;
  changed.replace(changed.find("A = \"1\""), 7, "A = \"2\"");
  auto file2 = stack_file("plan2.toml", changed);
  auto diff = agent_->cli({"stack", "plan", file2});
  EXPECT_EQ(diff.exit_code, 2) << diff.describe();
  EXPECT_NE(diff.out.find("~ plan_web\n    env.A: \"1\" -> \"2\"\n    2 tasks replaced"),
            std::string::npos) << diff.out;

  auto stale = agent_->cli({"stack", "deploy", file2, "--check-index", std::to_string(index - 1),
                            "-d"});
  EXPECT_EQ(stale.exit_code, 1) << stale.describe();
  EXPECT_NE(stale.err.find("changed since the plan"), std::string::npos) << stale.describe();
  EXPECT_EQ(agent_->cli({"stack", "plan", file2}).exit_code, 2) << "nothing was deployed";
  auto ok = agent_->cli({"stack", "deploy", file2, "--check-index", std::to_string(index),
                         "--timeout", "60s"});
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_EQ(agent_->cli({"stack", "plan", file2}).exit_code, 0);
}

TEST_F(cli_test, a_compose_file_deploys_and_unsupported_keys_are_named) {
  auto bad = stack_file("bad.yml", "name: comp\nservices:\n  web:\n    command: sleep 600\n"
                                   "    networks: [front]\n");
  auto refused = agent_->cli({"stack", "deploy", "-c", bad, "-d"});
  EXPECT_EQ(refused.exit_code, 1) << refused.describe();
  EXPECT_NE(refused.err.find(bad + ":5:5: services.web.networks: not supported by troupe"),
            std::string::npos) << refused.describe();
  EXPECT_EQ(agent_->cli_json({"stack", "ls"}), json::array()) << "nothing was deployed";

  auto file = stack_file("docker-compose.yml",
                         "name: comp\nservices:\n  web:\n    command: sleep 600\n"
                         "    deploy: { replicas: 2 }\n");
  auto toml = agent_->cli({"stack", "convert", file});
  ASSERT_EQ(toml.exit_code, 0) << toml.describe();
  EXPECT_NE(toml.out.find("replicas = 2"), std::string::npos) << toml.out;
  auto r = agent_->cli({"stack", "deploy", "-c", file, "--timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(agent_->service("comp_web").value("replicas_running", -1), 2);
  EXPECT_EQ(agent_->cli({"stack", "plan", file}).exit_code, 0) << "plan reads compose too";
}

TEST_F(cli_test, task_filters_and_node_ps) {
  auto file = stack_file("plan.toml", web_stack);
  ASSERT_EQ(agent_->cli({"stack", "deploy", file, "--timeout", "60s"}).exit_code, 0);
  auto node = agent_->cli_json({"node", "ls"})[0].value("name", "");
  auto on_node = agent_->cli_json({"node", "ps", node, "--filter", "desired-state=running"});
  ASSERT_TRUE(on_node.is_array());
  EXPECT_EQ(on_node.size(), 2u) << on_node.dump();
  auto none = agent_->cli_json({"service", "ps", "plan_web", "--filter", "node=elsewhere"});
  EXPECT_EQ(none, json::array());
  auto bad = agent_->cli({"service", "ps", "plan_web", "--filter", "colour=red"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown --filter key \"colour\""), std::string::npos) << bad.describe();
  EXPECT_EQ(agent_->cli({"node", "ps", "nosuch"}).exit_code, 1);
}

TEST_F(cli_test, bash_loads_the_completion_and_completes_names_from_the_node) {
  auto file = stack_file("plan.toml", web_stack);
  ASSERT_EQ(agent_->cli({"stack", "deploy", file, "-d"}).exit_code, 0);
  auto bin_dir = std::string(TROUPE_BINARY).substr(0, std::string(TROUPE_BINARY).rfind('/'));
  std::string script =
    "source <(troupe completion bash) || exit 3\n"
    "complete -p troupe\n"
    "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); _troupe;"
    " echo \"${COMPREPLY[*]}\"; }\n"
    "t troupe sta\n"
    "t troupe --host " + host() + " stack ps ''\n"
    "t troupe stack deploy --che\n";
  auto r = run_command({"/usr/bin/env", "PATH=" + bin_dir + ":/usr/bin:/bin", "bash", "-c", script},
                       dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "complete -F _troupe troupe\nstack\nplan\n--check-index\n") << r.describe();
  EXPECT_EQ(r.err, "") << r.describe();
}

} // namespace
} // namespace troupe::itest
