// Every duration, amount and count of a stack file or cluster config has a
// documented range (docs/config.md), NUL bytes are refused, and the limits
// the server applies (config/limits.hpp) apply to stack files as well.
#include <gtest/gtest.h>

#include "config/cluster_config.hpp"
#include "config/stack_file.hpp"

namespace troupe {
namespace {

const std::string head = "[stack]\nname = \"demo\"\n[services.web]\n";
const std::string cmd = "command = [\"x\"]\n";

struct range_case {
  const char* name;
  std::string text;
  std::string key;
  std::string message;
};

void expect_one_error(const range_case& c, const std::vector<config_error>& errors) {
  ASSERT_EQ(errors.size(), 1u) << c.name << ":\n" << to_string(errors);
  EXPECT_EQ(errors[0].key, c.key) << c.name;
  EXPECT_NE(errors[0].message.find(c.message), std::string::npos)
      << c.name << ": " << errors[0].message;
  EXPECT_GT(errors[0].line, 0) << c.name;
}

TEST(InputRanges, StackValuesOutsideTheirRangeAreRefused) {
  const std::string health = "[services.web.health]\ncmd = [\"true\"]\n";
  const std::vector<range_case> cases{
      {"interval 1ms", head + cmd + health + "interval = \"1ms\"\n", "services.web.health.interval",
       "must be between 100ms and 1h, got 1ms"},
      {"interval 0s", head + cmd + health + "interval = \"0s\"\n", "services.web.health.interval",
       "must be between 100ms and 1h, got 0s"},
      {"huge grace", head + cmd + "stop_grace_period = \"106751991167h\"\n",
       "services.web.stop_grace_period", "must be between 0s and 1h, got"},
      {"cpus inf", head + cmd + "[services.web.resources]\ncpus = inf\n",
       "services.web.resources.cpus", "must be a number between 0 and 1024 (0 = no reservation)"},
      {"cpus nan", head + cmd + "[services.web.resources]\ncpus = nan\n",
       "services.web.resources.cpus", "must be a number between 0 and 1024"},
      {"memory max", head + cmd + "[services.web.resources]\nmemory = 9223372036854775807\n",
       "services.web.resources.memory", "must be between 4MiB and 16TiB (0 = no limit)"},
      {"NUL in command", head + "command = [\"/bin/echo\", \"a\\u0000b\"]\n",
       "services.web.command", "must not contain a NUL byte"},
      {"NUL in env", head + cmd + "env = { A = \"x\\u0000y\" }\n", "services.web.env.A",
       "must not contain a NUL byte"},
      {"retries", head + cmd + health + "retries = 1000\n", "services.web.health.retries",
       "must be at most 100"},
      {"restart window", head + cmd + "[services.web.restart]\nwindow = \"48h\"\n",
       "services.web.restart.window", "must be between 0s and 24h, got 48h"},
      {"replicas", head + cmd + "replicas = 1000000000\n", "services.web.replicas",
       "1000000000 is above the limit of 10000 replicas per service ([limits] max_replicas)"},
      {"long command", head + "command = [\"" + std::string(200000, 'x') + "\"]\n",
       "services.web.command", "is 200000 bytes long; at most 131072 are allowed"},
  };
  for (const auto& c : cases)
    expect_one_error(c, parse_stack(c.text, "s.toml").errors);
}

TEST(InputRanges, ValuesAtTheEdgesOfTheirRangesAreAccepted) {
  auto r = parse_stack(head + cmd + "stop_grace_period = \"1h\"\nreplicas = 10000\n"
                              "[services.web.resources]\ncpus = 0.5\nmemory = \"4MiB\"\n"
                              "[services.web.health]\ncmd = [\"true\"]\ninterval = \"100ms\"\n",
                       "s.toml");
  EXPECT_TRUE(r.ok()) << to_string(r.errors);
}

TEST(InputRanges, ClusterTimingsAndAmountsOutsideTheirRangeAreRefused) {
  const std::string cluster = "[cluster]\nname = \"c\"\n";
  const std::vector<range_case> cases{
      {"heartbeat 1ms", cluster + "[timings]\nnode_heartbeat = \"1ms\"\n", "timings.node_heartbeat",
       "must be between 100ms and 1m, got 1ms"},
      {"down after", cluster + "[timings]\nnode_down_after = 1000\n", "timings.node_down_after",
       "must be between 1 and 100"},
      {"node cpus", cluster + "[defaults]\ncpus = inf\n", "defaults.cpus",
       "must be a number between 0 and 1024"},
      {"node memory", cluster + "[defaults]\nmemory = 9223372036854775807\n", "defaults.memory",
       "must be between 4MiB and 16TiB"},
      {"replica ceiling", cluster + "[limits]\nmax_replicas = 0\n", "limits.max_replicas",
       "must be between 1 and 1000000, got 0"},
      {"request size", cluster + "[limits]\nmax_request_size = \"2GiB\"\n",
       "limits.max_request_size", "must be between 1024 and 1073741824"},
  };
  for (const auto& c : cases)
    expect_one_error(c, parse_cluster_config(c.text, "c.toml").errors);
}

TEST(InputRanges, TheLimitsTableSetsTheCeilings) {
  auto r = parse_cluster_config("[cluster]\nname = \"c\"\n[limits]\nmax_replicas = 50000\n"
                                "max_tasks = 200000\nmax_request_size = \"32MiB\"\n"
                                "[api]\nsocket_group = \"troupe\"\n",
                                "c.toml");
  ASSERT_TRUE(r.ok()) << to_string(r.errors);
  EXPECT_EQ(r.limits.max_replicas, 50000u);
  EXPECT_EQ(r.limits.max_tasks, 200000u);
  EXPECT_EQ(r.limits.max_request_bytes, 32u << 20);
  EXPECT_EQ(r.api_socket_group, "troupe");
  pb::StackSpec stack;
  stack.set_name("s");
  auto* s = stack.add_services();
  s->set_name("s_web");
  s->set_short_name("web");
  s->set_stack("s");
  s->add_command("x");
  s->set_replicas(20000);
  fill_stack_defaults(&stack);
  EXPECT_TRUE(validate_stack_spec(stack, r.limits).empty());
  EXPECT_EQ(validate_stack_spec(stack).size(), 1u) << "the default ceiling is 10000";
}

} // namespace
} // namespace troupe
