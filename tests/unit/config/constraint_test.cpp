#include <gtest/gtest.h>

#include "config/constraint.hpp"

namespace troupe {
namespace {

TEST(Constraint, ParsesWithOrWithoutSpaces) {
  struct c {
    const char* text;
    const char* attribute;
    bool equal;
    const char* value;
  } cases[] = {
      {"node.labels.zone == eu", "node.labels.zone", true, "eu"},
      {"node.role!=manager", "node.role", false, "manager"},
      {"  node.name ==w1 ", "node.name", true, "w1"},
      {"node.hostname != host-a.example", "node.hostname", false, "host-a.example"},
  };
  for (const auto& k : cases) {
    std::string error;
    auto parsed = parse_constraint(k.text, &error);
    ASSERT_TRUE(parsed) << k.text << ": " << error;
    EXPECT_EQ(parsed->attribute, k.attribute);
    EXPECT_EQ(parsed->equal, k.equal);
    EXPECT_EQ(parsed->value, k.value);
  }
}

TEST(Constraint, RejectsBadTextWithAReason) {
  struct c {
    const char* text;
    const char* reason_part;
  } cases[] = {
      {"node.labels.zone = eu", "is not a constraint"},
      {"zone == eu", "unknown attribute 'zone'"},
      {"node.labels. == eu", "unknown attribute"},
      {"node.cpu == 2", "unknown attribute 'node.cpu'"},
      {"node.role ==  ", "value after '==' is empty"},
      {"", "is not a constraint"},
      {"node.name == a == b", "more than one operator"},
  };
  for (const auto& k : cases) {
    std::string error;
    EXPECT_FALSE(parse_constraint(k.text, &error)) << k.text;
    EXPECT_NE(error.find(k.reason_part), std::string::npos)
        << k.text << " gave: " << error;
  }
}

TEST(Constraint, MatchesNodes) {
  pb::Node node;
  node.set_name("w1");
  node.set_role("worker");
  node.set_hostname("box");
  (*node.mutable_labels())["zone"] = "eu";
  struct c {
    const char* text;
    bool matches;
  } cases[] = {
      {"node.name == w1", true},          {"node.name != w1", false},
      {"node.role == manager", false},    {"node.role != manager", true},
      {"node.hostname == box", true},     {"node.labels.zone == eu", true},
      {"node.labels.zone == us", false},  {"node.labels.zone != us", true},
      {"node.labels.disk == ssd", false}, {"node.labels.disk != ssd", true},
  };
  for (const auto& k : cases) {
    std::string error;
    auto parsed = parse_constraint(k.text, &error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_EQ(parsed->matches(node), k.matches) << k.text;
  }
}

TEST(Constraint, RoundTripsToText) {
  std::string error;
  auto parsed = parse_constraint("node.labels.zone!=eu", &error);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->to_string(), "node.labels.zone != eu");
}

} // namespace
} // namespace troupe
