// What a valid stack file turns into, and the checks of specs from the API.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "config/stack_file.hpp"

namespace troupe {
namespace {

const char* minimal = R"([stack]
name = "demo"
[services.web]
command = ["httpd"]
)";

TEST(StackSpec, FillsDefaults) {
  auto result = parse_stack(minimal, "demo.toml");
  ASSERT_TRUE(result.ok()) << to_string(result.errors);
  const auto& stack = result.stack;
  EXPECT_EQ(stack.name(), "demo");
  EXPECT_EQ(stack.source(), "demo.toml");
  ASSERT_EQ(stack.services_size(), 1);
  const auto& s = stack.services(0);
  EXPECT_EQ(s.name(), "demo_web");
  EXPECT_EQ(s.stack(), "demo");
  EXPECT_EQ(s.short_name(), "web");
  EXPECT_EQ(s.driver(), "process");
  EXPECT_EQ(s.mode(), "replicated");
  EXPECT_EQ(s.replicas(), 1u);
  EXPECT_EQ(s.stop_grace_period_ms(), 10000);
  EXPECT_EQ(s.restart().condition(), "any");
  EXPECT_EQ(s.restart().delay_ms(), 100);
  EXPECT_EQ(s.restart().max_delay_ms(), 10000);
  EXPECT_EQ(s.restart().max_attempts(), 0u);
  EXPECT_EQ(s.restart().window_ms(), 0);
  for (const auto* p : {&s.update(), &s.rollback()}) {
    EXPECT_EQ(p->parallelism(), 1u);
    EXPECT_EQ(p->delay_ms(), 0);
    EXPECT_EQ(p->monitor_ms(), 5000);
    EXPECT_EQ(p->failure_action(), "pause");
    EXPECT_EQ(p->max_failure_ratio(), 0);
    EXPECT_EQ(p->order(), "stop-first");
  }
  EXPECT_FALSE(s.has_health()) << "health only when a [health] table is given";
}

TEST(StackSpec, ReadsEveryKey) {
  auto result = parse_stack(R"([stack]
name = "shop"
[services.api]
driver = "oci"
image = "busybox"
command = ["httpd", "-p", "${TROUPE_PORT_HTTP}"]
working_dir = "/srv"
replicas = 3
env = { GREETING = "hello" }
labels = { tier = "front" }
ports = [{ name = "http", target = 8080, published = 80 }, { name = "dns", target = 53, protocol = "udp" }]
stop_grace_period = "5s"
[services.api.restart]
condition = "on-failure"
delay = "500ms"
max_delay = "1m"
max_attempts = 5
window = "2m"
[services.api.resources]
cpus = 0.5
memory = "64MiB"
[services.api.placement]
constraints = ["node.labels.zone == eu", "node.role != manager"]
[services.api.update]
parallelism = 2
delay = "10s"
failure_action = "rollback"
max_failure_ratio = 0.25
order = "start-first"
[services.api.health]
http = "/healthz"
interval = "1s"
[services.agent]
command = ["agent"]
mode = "global"
)", "shop.toml");
  ASSERT_TRUE(result.ok()) << to_string(result.errors);
  ASSERT_EQ(result.stack.services_size(), 2);
  const auto& agent = result.stack.services(0); // services come in name order
  EXPECT_EQ(agent.name(), "shop_agent");
  EXPECT_EQ(agent.mode(), "global");
  EXPECT_EQ(agent.replicas(), 0u);
  const auto& s = result.stack.services(1);
  EXPECT_EQ(s.driver(), "oci");
  EXPECT_EQ(s.image(), "busybox");
  EXPECT_EQ(s.command_size(), 3);
  EXPECT_EQ(s.command(2), "${TROUPE_PORT_HTTP}");
  EXPECT_EQ(s.working_dir(), "/srv");
  EXPECT_EQ(s.replicas(), 3u);
  EXPECT_EQ(s.env().at("GREETING"), "hello");
  EXPECT_EQ(s.labels().at("tier"), "front");
  ASSERT_EQ(s.ports_size(), 2);
  EXPECT_EQ(s.ports(0).protocol(), "tcp");
  EXPECT_EQ(s.ports(0).published(), 80u);
  EXPECT_EQ(s.ports(1).protocol(), "udp");
  EXPECT_EQ(s.ports(1).published(), 0u);
  EXPECT_EQ(s.stop_grace_period_ms(), 5000);
  EXPECT_EQ(s.restart().condition(), "on-failure");
  EXPECT_EQ(s.restart().delay_ms(), 500);
  EXPECT_EQ(s.restart().max_delay_ms(), 60000);
  EXPECT_EQ(s.restart().max_attempts(), 5u);
  EXPECT_EQ(s.restart().window_ms(), 120000);
  EXPECT_DOUBLE_EQ(s.resources().cpus(), 0.5);
  EXPECT_EQ(s.resources().memory_bytes(), 64LL << 20);
  ASSERT_EQ(s.constraints_size(), 2);
  EXPECT_EQ(s.constraints(1), "node.role != manager");
  EXPECT_EQ(s.update().parallelism(), 2u);
  EXPECT_EQ(s.update().delay_ms(), 10000);
  EXPECT_EQ(s.update().monitor_ms(), 5000);
  EXPECT_EQ(s.update().failure_action(), "rollback");
  EXPECT_DOUBLE_EQ(s.update().max_failure_ratio(), 0.25);
  EXPECT_EQ(s.update().order(), "start-first");
  EXPECT_EQ(s.rollback().order(), "stop-first");
  ASSERT_TRUE(s.has_health());
  EXPECT_EQ(s.health().http(), "/healthz");
  EXPECT_EQ(s.health().interval_ms(), 1000);
  EXPECT_EQ(s.health().timeout_ms(), 2000);
  EXPECT_EQ(s.health().retries(), 3u);
  EXPECT_EQ(s.health().start_period_ms(), 0);
}

TEST(StackSpec, ValidatesSpecsFromTheApi) {
  auto good = parse_stack(minimal, "demo.toml");
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(validate_stack_spec(good.stack).empty());

  pb::StackSpec bad = good.stack;
  auto* s = bad.mutable_services(0);
  s->set_mode("global");
  s->set_replicas(2);
  s->add_constraints("zone == eu");
  auto* p = s->add_ports();
  p->set_name("http");
  p->set_protocol("tcp");
  auto problems = validate_stack_spec(bad);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "services.web.replicas: must not be set when mode is \"global\"");
  EXPECT_EQ(problems[1], "services.web.ports[0].target: must be between 1 and 65535");
  EXPECT_EQ(problems[2].rfind("services.web.placement.constraints[0]: 'zone == eu': unknown attribute", 0), 0u)
      << problems[2];
}

TEST(StackSpec, ValidatesNamesAndDuplicatesFromTheApi) {
  pb::StackSpec stack;
  stack.set_name("demo");
  EXPECT_EQ(validate_stack_spec(stack),
            std::vector<std::string>{"services: a stack needs at least one service"});
  auto good = parse_stack(minimal, "demo.toml");
  stack = good.stack;
  *stack.add_services() = stack.services(0);
  auto problems = validate_stack_spec(stack);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "services.web: duplicate service name \"web\"");
}

TEST(StackSpec, FillsDefaultsOfHandBuiltSpecs) {
  pb::StackSpec stack;
  stack.set_name("demo");
  auto* s = stack.add_services();
  s->set_name("demo_web");
  s->set_stack("demo");
  s->set_short_name("web");
  s->add_command("httpd");
  s->set_replicas(1);
  s->add_ports()->set_target(80);
  s->mutable_ports(0)->set_name("http");
  EXPECT_FALSE(validate_stack_spec(stack).empty()) << "empty driver and mode are invalid";
  fill_stack_defaults(&stack);
  EXPECT_TRUE(validate_stack_spec(stack).empty());
  EXPECT_EQ(s->driver(), "process");
  EXPECT_EQ(s->ports(0).protocol(), "tcp");
  EXPECT_EQ(s->restart().delay_ms(), 100);
  EXPECT_EQ(s->update().monitor_ms(), 5000);
}

TEST(StackSpec, TheSimDriverIsAcceptedAndStillNeedsACommand) {
  auto result = parse_stack(R"([stack]
name = "sim"
[services.web]
driver = "sim"
command = ["serve"]
env = { SIM_EXIT_AFTER = "2s", SIM_EXIT_CODE = "3" }
)", "sim.toml");
  ASSERT_TRUE(result.ok()) << to_string(result.errors);
  EXPECT_EQ(result.stack.services(0).driver(), "sim");
  auto bare = parse_stack(R"([stack]
name = "sim"
[services.web]
driver = "sim"
read_only = true
)", "sim.toml");
  EXPECT_FALSE(bare.ok()) << "a sim service needs a command, and read_only is oci-only";
  auto text = to_string(bare.errors);
  EXPECT_NE(text.find("services.web.command: is required"), std::string::npos) << text;
  EXPECT_NE(text.find("services.web.read_only: is only used by the oci driver"),
            std::string::npos) << text;
}

TEST(StackSpec, AnOciImageBringsItsOwnCommandAndMayBeReadOnly) {
  auto result = parse_stack(R"([stack]
name = "shop"
[services.web]
driver = "oci"
image = "busybox:latest"
read_only = true
)", "shop.toml");
  ASSERT_TRUE(result.ok()) << to_string(result.errors);
  const auto& s = result.stack.services(0);
  EXPECT_EQ(s.command_size(), 0) << "the image's ENTRYPOINT/CMD apply";
  EXPECT_TRUE(s.read_only());
  auto process = parse_stack(R"([stack]
name = "shop"
[services.web]
read_only = true
)", "shop.toml");
  EXPECT_FALSE(process.ok()) << "a process service still needs a command";
  auto text = to_string(process.errors);
  EXPECT_NE(text.find("command"), std::string::npos) << text;
  EXPECT_NE(text.find("read_only"), std::string::npos) << text;
}

} // namespace
} // namespace troupe

namespace troupe {
namespace {

// Issue 10 item 13: job modes as in Docker Swarm.
TEST(StackSpec, JobModesReadCompletionsAndDefaultToRestartOnFailure) {
  auto result = parse_stack(R"([stack]
name = "demo"
[services.migrate]
command = ["true"]
mode = "replicated-job"
completions = 4
max_concurrent = 2
[services.setup]
command = ["true"]
mode = "global-job"
[services.one]
command = ["true"]
mode = "replicated-job"
)", "demo.toml");
  ASSERT_TRUE(result.ok()) << to_string(result.errors);
  std::map<std::string, pb::ServiceSpec> by_name;
  for (const auto& svc : result.stack.services())
    by_name[svc.short_name()] = svc;
  const pb::ServiceSpec& migrate = by_name["migrate"];
  const pb::ServiceSpec& setup = by_name["setup"];
  const pb::ServiceSpec& one = by_name["one"];
  EXPECT_EQ(migrate.mode(), "replicated-job");
  EXPECT_EQ(migrate.completions(), 4u);
  EXPECT_EQ(migrate.max_concurrent(), 2u);
  EXPECT_EQ(migrate.replicas(), 0u);
  EXPECT_EQ(migrate.restart().condition(), "on-failure");
  EXPECT_EQ(setup.mode(), "global-job");
  EXPECT_EQ(setup.replicas(), 0u);
  EXPECT_EQ(setup.restart().condition(), "on-failure");
  EXPECT_EQ(one.completions(), 1u);
  EXPECT_EQ(one.max_concurrent(), 1u);
}

TEST(StackSpec, JobModeMistakesAreNamed) {
  struct row {
    std::string body;
    std::string error;
  };
  std::vector<row> rows = {
      {"mode = \"replicated-job\"\nreplicas = 2\n", "services.web.replicas: must not be set for a job"},
      {"completions = 2\n", "services.web.completions: is only for mode = \"replicated-job\""},
      {"mode = \"replicated-job\"\ncompletions = 2\nmax_concurrent = 3\n",
       "services.web.max_concurrent: must not exceed completions (2)"},
      {"mode = \"global-job\"\n[services.web.restart]\ncondition = \"any\"\n",
       "services.web.restart.condition: must be \"on-failure\" or \"none\" for a job"},
  };
  for (const auto& r : rows) {
    auto result = parse_stack("[stack]\nname = \"demo\"\n[services.web]\ncommand = [\"x\"]\n"
                                + r.body, "s.toml");
    EXPECT_FALSE(result.ok()) << r.body;
    EXPECT_NE(to_string(result.errors).find(r.error), std::string::npos)
        << r.body << "\n" << to_string(result.errors);
  }
}

} // namespace
} // namespace troupe
