// Every kind of stack file mistake gives one error naming file:line:column,
// the full key path and what is wrong.
#include <gtest/gtest.h>

#include <algorithm>

#include "config/stack_file.hpp"

namespace troupe {
namespace {

// Lines 1-4 of every case; the mistake comes after.
const std::string head = "[stack]\n"
                         "name = \"demo\"\n"
                         "[services.web]\n"
                         "command = [\"x\"]\n";

struct error_case {
  const char* name;
  std::string text;
  std::string expected;
};

std::vector<error_case> cases() {
  return {
      {"unknown key with suggestion", head + "replica = 3\n",
       "s.toml:5:1: services.web.replica: unknown key 'replica' (did you mean 'replicas'?)"},
      {"unknown key far from any", head + "colour = \"red\"\n",
       "s.toml:5:1: services.web.colour: unknown key 'colour'"},
      {"unknown top-level table", head + "[servics.api]\ncommand = [\"y\"]\n",
       "s.toml:5:2: servics: unknown key 'servics' (did you mean 'services'?)"},
      {"wrong type", head + "replicas = \"3\"\n",
       "s.toml:5:12: services.web.replicas: must be an integer, got string"},
      {"wrong element type", head + "env = { A = 1 }\n",
       "s.toml:5:13: services.web.env.A: must be a string, got integer"},
      {"bad duration", head + "stop_grace_period = \"5 sec\"\n",
       "s.toml:5:21: services.web.stop_grace_period: '5 sec' is not a duration (use e.g. 500ms, 2s, 1m)"},
      {"bad nested duration", head + "[services.web.restart]\ndelay = \"soon\"\n",
       "s.toml:6:9: services.web.restart.delay: 'soon' is not a duration (use e.g. 500ms, 2s, 1m)"},
      {"bad size", head + "[services.web.resources]\nmemory = \"lots\"\n",
       "s.toml:6:10: services.web.resources.memory: 'lots' is not a size (use e.g. 512KiB, 64MiB, 1GiB)"},
      {"negative count", head + "replicas = -1\n",
       "s.toml:5:12: services.web.replicas: must be >= 0, got -1"},
      {"duplicate port name",
       head + "ports = [{ name = \"http\", target = 80 }, { name = \"http\", target = 81 }]\n",
       "s.toml:5:51: services.web.ports[1].name: duplicate port name \"http\""},
      // services are checked in name order, so web's port is the second user
      {"duplicate published port",
       head + "ports = [{ name = \"a\", target = 80, published = 8080 }]\n"
              "[services.api]\ncommand = [\"y\"]\n"
              "ports = [{ name = \"b\", target = 81, published = 8080 }]\n",
       "s.toml:5:49: services.web.ports[0].published: published port 8080 is already used by services.api.ports[0]"},
      {"missing port target", head + "ports = [{ name = \"http\" }]\n",
       "s.toml:5:10: services.web.ports[0].target: is required"},
      {"port out of range", head + "ports = [{ name = \"http\", target = 70000 }]\n",
       "s.toml:5:36: services.web.ports[0].target: must be between 1 and 65535"},
      {"syntax error", head + "replicas = \n",
       "s.toml:5:12: Error while parsing key-value pair: expected value, saw '\\n'"},
      {"replicas with global mode", head + "mode = \"global\"\nreplicas = 2\n",
       "s.toml:6:12: services.web.replicas: must not be set when mode is \"global\""},
      {"unknown driver", head + "driver = \"docker\"\n",
       "s.toml:5:10: services.web.driver: must be one of \"process\", \"oci\", \"sim\", got \"docker\""},
      {"bogus driver", head + "driver = \"bogus\"\n",
       "s.toml:5:10: services.web.driver: must be one of \"process\", \"oci\", \"sim\", got \"bogus\""},
      {"sim with an image", head + "driver = \"sim\"\nimage = \"busybox\"\n",
       "s.toml:6:9: services.web.image: is only used by the oci driver"},
      {"unknown mode", head + "mode = \"everywhere\"\n",
       "s.toml:5:8: services.web.mode: must be one of \"replicated\", \"global\", \"replicated-job\", \"global-job\", got \"everywhere\""},
      {"unknown restart condition", head + "[services.web.restart]\ncondition = \"always\"\n",
       "s.toml:6:13: services.web.restart.condition: must be one of \"none\", \"on-failure\", \"any\", got \"always\""},
      {"bad constraint",
       head + "[services.web.placement]\nconstraints = [\"node.role == manager\", \"zone = eu\"]\n",
       "s.toml:6:40: services.web.placement.constraints[1]: 'zone = eu' is not a constraint (use e.g. \"node.labels.zone == eu\")"},
      {"oci without image", head + "driver = \"oci\"\n",
       "s.toml:3:1: services.web.image: is required for the oci driver (or set rootfs)"},
      {"missing command", "[stack]\nname = \"demo\"\n[services.web]\nreplicas = 1\n",
       "s.toml:3:1: services.web.command: is required (a non-empty array of strings)"},
      {"no services", "[stack]\nname = \"demo\"\n",
       "s.toml:1:1: services: a stack needs at least one service"},
      {"missing stack name", "[stack]\n[services.web]\ncommand = [\"x\"]\n",
       "s.toml:1:1: stack.name: is required"},
      {"bad stack name", "[stack]\nname = \"Demo\"\n[services.web]\ncommand = [\"x\"]\n",
       "s.toml:2:8: stack.name: stack name \"Demo\" must match [a-z0-9][a-z0-9-]* (at most 32 characters)"},
      {"bad service name", "[stack]\nname = \"demo\"\n[services.Web_1]\ncommand = [\"x\"]\n",
       "s.toml:3:1: services.Web_1: service name \"Web_1\" must match [a-z0-9][a-z0-9-]* (at most 32 characters)"},
      {"two health checks", head + "ports = [{ name = \"http\", target = 80 }]\n"
                                   "[services.web.health]\ncmd = [\"true\"]\ntcp = true\n",
       "s.toml:6:1: services.web.health: set exactly one of cmd, tcp, http"},
      {"bad update policy", head + "[services.web.update]\nmax_failure_ratio = 1.5\n",
       "s.toml:6:21: services.web.update.max_failure_ratio: must be between 0 and 1"},
      {"unknown rollback order", head + "[services.web.rollback]\norder = \"random\"\n",
       "s.toml:6:9: services.web.rollback.order: must be one of \"stop-first\", \"start-first\", got \"random\""},
      {"bad env name", head + "env = { \"1X\" = \"a\" }\n",
       "s.toml:5:16: services.web.env.1X: is not a valid variable name (use letters, digits and _)"},
  };
}

TEST(StackErrors, EachMistakeNamesPositionAndKey) {
  for (const auto& c : cases()) {
    auto result = parse_stack(c.text, "s.toml");
    ASSERT_EQ(result.errors.size(), 1u)
        << c.name << ":\n" << to_string(result.errors);
    EXPECT_EQ(result.errors[0].to_string(), c.expected) << c.name;
    EXPECT_FALSE(result.ok());
  }
}

TEST(StackErrors, ReportsAllMistakesAtOnce) {
  auto result = parse_stack(head + "replica = 3\n"
                                   "stop_grace_period = \"5 sec\"\n"
                                   "[services.web.restart]\n"
                                   "condition = \"sometimes\"\n",
                            "s.toml");
  ASSERT_EQ(result.errors.size(), 3u) << to_string(result.errors);
  std::string all = to_string(result.errors);
  EXPECT_NE(all.find("s.toml:5:1: services.web.replica: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("s.toml:6:21: services.web.stop_grace_period:"), std::string::npos) << all;
  EXPECT_NE(all.find("s.toml:8:13: services.web.restart.condition:"), std::string::npos) << all;
}

TEST(StackErrors, ErrorsComeInLineOrderAndABadServiceNameHidesNothing) {
  auto result = parse_stack("[stack]\nname = \"demo\"\n"          // 1-2
                            "[services.zz]\ncommand = [\"x\"]\n"     // 3-4
                            "replicas = -1\n"                        // 5
                            "[services.Bad_Name]\n"                  // 6
                            "replicas = 2\n"                         // 7
                            "[services.Bad_Name.restart]\n"          // 8
                            "condition = \"sometimes\"\n",           // 9
                            "s.toml");
  std::vector<int> lines;
  for (const auto& e : result.errors)
    lines.push_back(e.line);
  EXPECT_TRUE(std::is_sorted(lines.begin(), lines.end())) << to_string(result.errors);
  auto all = to_string(result.errors);
  EXPECT_NE(all.find("services.Bad_Name: service name"), std::string::npos) << all;
  EXPECT_NE(all.find("services.Bad_Name.command: is required"), std::string::npos) << all;
  EXPECT_NE(all.find("s.toml:9:13: services.Bad_Name.restart.condition"), std::string::npos)
      << all;
  EXPECT_NE(all.find("s.toml:5:12: services.zz.replicas"), std::string::npos) << all;
  EXPECT_EQ(all.back(), '\n') << "every message ends with a newline";
}

TEST(StackErrors, ALongerSpellingOfAKeyGetsASuggestion) {
  auto result = parse_stack("[stack]\nname = \"demo\"\n[services.web]\ncommand = [\"x\"]\n"
                            "[services.web.healthcheck]\ncmd = [\"true\"]\n",
                            "s.toml");
  ASSERT_EQ(result.errors.size(), 1u) << to_string(result.errors);
  EXPECT_EQ(result.errors[0].message,
            "unknown key 'healthcheck' (did you mean 'health'?)");
}

TEST(StackErrors, ADockerComposeFileIsNamedAsSuch) {
  auto result = parse_stack("version: \"3.8\"\nservices:\n  web:\n    image: nginx\n",
                            "docker-compose.yml");
  ASSERT_EQ(result.errors.size(), 1u) << to_string(result.errors);
  EXPECT_EQ(result.errors[0].to_string(),
            "docker-compose.yml: this looks like a YAML file (docker-compose?); troupe reads "
            "TOML stack files ([stack] name = \"...\", [services.NAME] ...): see "
            "docs/config.md");
}

TEST(StackErrors, MissingFileIsAnError) {
  EXPECT_EQ(load_stack_file("/").errors.at(0).message,
            "cannot read stack file /: Is a directory");
  auto result = load_stack_file("/nonexistent/stack.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message,
            "cannot read stack file /nonexistent/stack.toml: No such file or directory");
  EXPECT_EQ(result.errors[0].to_string(),
            "/nonexistent/stack.toml: cannot read stack file /nonexistent/stack.toml: "
            "No such file or directory");
}

} // namespace
} // namespace troupe
