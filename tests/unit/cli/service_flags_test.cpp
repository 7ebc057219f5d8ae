#include <gtest/gtest.h>

#include "cli/service_flags.hpp"

namespace troupe::cli {
namespace {

TEST(spec_from_flags, builds_the_spec_a_stack_file_would) {
  create_flags f;
  f.name = "web";
  f.command = "sleep 3600";
  f.replicas = "3";
  f.env = {"A=1", "B=x=y"};
  f.publish = {"8080:80", "admin=9090:90"};
  f.constraints = {"node.labels.zone==a"};
  pb::ServiceSpec spec;
  std::vector<std::string> errors;
  ASSERT_TRUE(spec_from_flags(f, &spec, &errors)) << testing::PrintToString(errors);
  EXPECT_EQ(spec.name(), "default_web");
  EXPECT_EQ(spec.stack(), "default");
  EXPECT_EQ(spec.driver(), "process");
  EXPECT_EQ(spec.replicas(), 3u);
  EXPECT_EQ(spec.command_size(), 2);
  EXPECT_EQ(spec.env().at("B"), "x=y");
  ASSERT_EQ(spec.ports_size(), 2);
  EXPECT_EQ(spec.ports(0).name(), "p80");
  EXPECT_EQ(spec.ports(0).published(), 8080u);
  EXPECT_EQ(spec.ports(1).name(), "admin");
  EXPECT_EQ(spec.constraints_size(), 1);
  EXPECT_EQ(spec.stop_grace_period_ms(), 10000) << "the stack file's defaults";

  create_flags one;
  one.name = "img";
  one.image = "busybox:latest";
  ASSERT_TRUE(spec_from_flags(one, &spec, &errors)) << testing::PrintToString(errors);
  EXPECT_EQ(spec.driver(), "oci") << "--image implies oci";
  EXPECT_EQ(spec.replicas(), 1u);
}

TEST(spec_from_flags, refuses_what_a_stack_file_refuses_naming_the_flag) {
  struct row { const char* what; create_flags f; const char* must_mention; };
  auto base = [] {
    create_flags f;
    f.name = "web";
    f.command = "sleep 1";
    return f;
  };
  std::vector<row> rows;
  { auto f = base(); f.command = ""; rows.push_back({"no program", f, "--command \"PROGRAM ARGS\" is required"}); }
  { auto f = base(); f.env = {"NOEQUALS"}; rows.push_back({"env", f, "--env \"NOEQUALS\""}); }
  { auto f = base(); f.env = {"A=1", "A=2"}; rows.push_back({"env twice", f, "names A twice"}); }
  { auto f = base(); f.publish = {"80"}; rows.push_back({"port", f, "--publish \"80\""}); }
  { auto f = base(); f.publish = {"1:70000"}; rows.push_back({"port range", f, "--publish"}); }
  { auto f = base(); f.driver = "docker"; rows.push_back({"driver", f, "--driver"}); }
  { auto f = base(); f.mode = "sometimes"; rows.push_back({"mode", f, "--mode"}); }
  { auto f = base(); f.replicas = "100001"; rows.push_back({"replicas", f, "--replicas"}); }
  { auto f = base(); f.replicas = "-3"; rows.push_back({"negative", f, "--replicas \"-3\": expected a whole number"}); }
  { auto f = base(); f.constraints = {"zone"}; rows.push_back({"constraint", f, "--constraint"}); }
  { auto f = base(); f.command = "sleep 'open"; rows.push_back({"quote", f, "--command"}); }
  for (const auto& r : rows) {
    pb::ServiceSpec spec;
    std::vector<std::string> errors;
    EXPECT_FALSE(spec_from_flags(r.f, &spec, &errors)) << r.what;
    std::string all;
    for (const auto& e : errors)
      all += e + "\n";
    EXPECT_NE(all.find(r.must_mention), std::string::npos) << r.what << ": " << all;
  }
}

} // namespace
} // namespace troupe::cli
