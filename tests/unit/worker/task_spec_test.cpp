// task_spec: what a task becomes when the driver starts it — environment,
// substituted command, folders and limits.
#include <gtest/gtest.h>

#include "actors/worker/task_spec.hpp"

namespace troupe {
namespace {

pb::Task web_task() {
  pb::Task t;
  t.set_id("demo_web.2.abcdefghij");
  t.set_service("demo_web");
  t.set_slot(2);
  auto spec = t.mutable_spec();
  spec->set_name("demo_web");
  spec->set_stack("demo");
  spec->add_command("server");
  spec->add_command("--listen=:${TROUPE_PORT_HTTP}");
  spec->add_command("--greeting=${GREETING}");
  (*spec->mutable_env())["GREETING"] = "hi";
  (*spec->mutable_env())["TROUPE_NODE"] = "spoofed";
  spec->mutable_resources()->set_cpus(0.5);
  spec->mutable_resources()->set_memory_bytes(64 << 20);
  (*t.mutable_host_ports())["http"] = 30002;
  (*t.mutable_host_ports())["admin-api"] = 30003;
  return t;
}

struct substitute_case {
  std::string text;
  std::string expected;
};

class substitute_test : public ::testing::TestWithParam<substitute_case> {};

TEST_P(substitute_test, replaces_known_variables) {
  std::map<std::string, std::string> env{{"A", "1"}, {"LONG_NAME", "xyz"}};
  EXPECT_EQ(substitute(GetParam().text, env), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
  table, substitute_test,
  ::testing::Values(substitute_case{"plain", "plain"},
                    substitute_case{"${A}", "1"},
                    substitute_case{"a=${A},b=${LONG_NAME}", "a=1,b=xyz"},
                    substitute_case{"${MISSING}x", "x"},
                    substitute_case{"$$A", "$A"},
                    substitute_case{"$${A}", "${A}"},
                    substitute_case{"${A", "${A"},
                    substitute_case{"cost $5", "cost $5"},
                    substitute_case{"$", "$"}));

TEST(task_environment, troupe_variables_win_over_the_service_env) {
  auto env = task_environment(web_task(), "n1");
  EXPECT_EQ(env.at("TROUPE_TASK_ID"), "demo_web.2.abcdefghij");
  EXPECT_EQ(env.at("TROUPE_TASK_SLOT"), "2");
  EXPECT_EQ(env.at("TROUPE_SERVICE"), "demo_web");
  EXPECT_EQ(env.at("TROUPE_STACK"), "demo");
  EXPECT_EQ(env.at("TROUPE_NODE"), "n1");
  EXPECT_EQ(env.at("TROUPE_PORT_HTTP"), "30002");
  EXPECT_EQ(env.at("TROUPE_PORT_ADMIN-API"), "30003");
  EXPECT_EQ(env.at("GREETING"), "hi");
}

TEST(task_environment, a_global_task_has_its_node_as_slot) {
  auto t = web_task();
  t.set_slot(0);
  EXPECT_EQ(task_environment(t, "n7").at("TROUPE_TASK_SLOT"), "n7");
}

TEST(make_container_spec, holds_command_folders_and_limits) {
  auto c = make_container_spec(web_task(), 3, "n1", "/var/troupe/tasks");
  EXPECT_EQ(c.id, "demo_web.2.abcdefghij-3");
  EXPECT_EQ(c.command, (std::vector<std::string>{"server", "--listen=:30002",
                                                 "--greeting=hi"}));
  EXPECT_EQ(c.task_dir, "/var/troupe/tasks/demo_web.2.abcdefghij");
  EXPECT_EQ(c.stdout_path, c.task_dir + "/stdout.log");
  EXPECT_EQ(c.stderr_path, c.task_dir + "/stderr.log");
  EXPECT_DOUBLE_EQ(c.cpus, 0.5);
  EXPECT_EQ(c.memory_bytes, 64 << 20);
}

TEST(task_dir, keeps_ids_inside_the_tasks_folder) {
  EXPECT_EQ(task_dir("/t", "a/../../etc"), "/t/a_.._.._etc");
  EXPECT_EQ(task_dir("/t", "svc.1.x"), "/t/svc.1.x");
}

} // namespace
} // namespace troupe
