// The plan diff, table-driven: each row deploys a file over a stored stack.
#include <gtest/gtest.h>

#include "cli/stack_plan.hpp"
#include "config/stack_file.hpp"

namespace troupe::cli {
namespace {

pb::StackSpec stack_of(const std::string& toml) {
  auto r = parse_stack(toml, "test.toml");
  EXPECT_TRUE(r.ok()) << to_string(r.errors);
  return r.stack;
}

std::vector<pb::ServiceSpec> specs_of(const pb::StackSpec& stack) {
  return {stack.services().begin(), stack.services().end()};
}

pb::Task live_task(const std::string& service, uint32_t slot) {
  pb::Task t;
  t.set_id(service + "." + std::to_string(slot) + ".x");
  t.set_service(service);
  t.set_slot(slot);
  t.set_desired_state(pb::RUNNING);
  t.set_state(pb::RUNNING);
  return t;
}

const std::string web2 = R"([stack]
name = "demo"
[services.web]
command = ["sleep", "60"]
replicas = 2
env = { A = "1" }
)";

struct row {
  const char* what;
  std::string stored;   // "" = no such stack
  std::string file;
  // expected: "+name", "~name key,key replaced=N", "-name stopped=N"
  std::vector<std::string> expected;
};

std::string describe(const service_plan& s) {
  switch (s.action) {
    case plan_action::add: return "+" + s.name;
    case plan_action::remove: return "-" + s.name + " stopped=" + std::to_string(s.tasks_stopped);
    case plan_action::change: {
      std::string keys;
      for (const auto& k : s.keys)
        keys += (keys.empty() ? "" : ",") + k.key;
      return "~" + s.name + " " + keys + " replaced=" + std::to_string(s.tasks_replaced);
    }
  }
  return "?";
}

TEST(plan_stack, table) {
  const std::vector<row> rows = {
    {"a new stack adds every service", "", web2, {"+demo_web"}},
    {"the same file changes nothing", web2, web2, {}},
    {"a replica change replaces no task", web2,
     R"([stack]
name = "demo"
[services.web]
command = ["sleep", "60"]
replicas = 3
env = { A = "1" }
)",
     {"~demo_web replicas replaced=0"}},
    {"a new command replaces the live tasks, key by key", web2,
     R"([stack]
name = "demo"
[services.web]
command = ["sleep", "61"]
replicas = 2
env = { A = "2", B = "x" }
)",
     {"~demo_web command,env.A,env.B replaced=2"}},
    {"a policy key is named by its path", web2,
     R"([stack]
name = "demo"
[services.web]
command = ["sleep", "60"]
replicas = 2
env = { A = "1" }
[services.web.update]
parallelism = 2
)",
     {"~demo_web update.parallelism replaced=2"}},
    {"a key removed from the file", web2,
     R"([stack]
name = "demo"
[services.web]
command = ["sleep", "60"]
replicas = 2
)",
     {"~demo_web env.A replaced=2"}},
    {"services added and removed", web2,
     R"([stack]
name = "demo"
[services.db]
command = ["sleep", "60"]
)",
     {"+demo_db", "-demo_web stopped=2"}},
  };
  for (const auto& r : rows) {
    std::vector<pb::ServiceSpec> stored;
    std::vector<pb::Task> live;
    if (!r.stored.empty()) {
      stored = specs_of(stack_of(r.stored));
      live = {live_task("demo_web", 1), live_task("demo_web", 2)};
    }
    auto plan = plan_stack(stack_of(r.file), stored, live, r.stored.empty() ? 0 : 7);
    std::vector<std::string> got;
    for (const auto& s : plan.services)
      got.push_back(describe(s));
    EXPECT_EQ(got, r.expected) << r.what;
    EXPECT_EQ(plan.has_changes(), !r.expected.empty()) << r.what;
  }
}

TEST(plan_stack, text_names_keys_with_before_and_after) {
  auto before = stack_of(web2);
  auto after = before;
  after.mutable_services(0)->set_replicas(5);
  (*after.mutable_services(0)->mutable_env())["A"] = "9";
  auto plan = plan_stack(after, specs_of(before), {live_task("demo_web", 1)}, 42);
  auto text = plan_text(plan);
  EXPECT_NE(text.find("stack demo (index 42): 0 to add, 1 to change, 0 to remove; 1 task replaced"),
            std::string::npos) << text;
  EXPECT_NE(text.find("~ demo_web\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    env.A: \"1\" -> \"9\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    replicas: 2 -> 5\n"), std::string::npos) << text;
  auto json = plan_json(plan);
  EXPECT_EQ(json["index"], 42);
  EXPECT_EQ(json["changes"], true);
  EXPECT_EQ(json["services"][0]["tasks_replaced"], 1);
  EXPECT_EQ(plan_text(plan_stack(before, specs_of(before), {}, 42)),
            "stack demo (index 42): no changes\n");
}

} // namespace
} // namespace troupe::cli
