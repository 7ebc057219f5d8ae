#include <gtest/gtest.h>

#include "cli/endpoint_list.hpp"

namespace troupe::cli {
namespace {

using list = std::vector<std::string>;

TEST(parse_endpoint_list, splits_on_commas_and_drops_blanks) {
  list out;
  std::string error;
  ASSERT_TRUE(parse_endpoint_list("127.0.0.1:7100", &out, &error)) << error;
  EXPECT_EQ(out, list({"127.0.0.1:7100"}));
  ASSERT_TRUE(parse_endpoint_list("a:1, b:2 ,tcp://c:3,ipc:///tmp/x.sock", &out, &error))
    << error;
  EXPECT_EQ(out, list({"a:1", "b:2", "tcp://c:3", "ipc:///tmp/x.sock"}));
}

TEST(parse_endpoint_list, refuses_bad_lists_with_a_sentence) {
  struct row { std::string text; const char* must_mention; };
  std::vector<row> rows = {
    {"", "an empty item"},
    {"a:1,", "an empty item"},
    {"a:1,,b:2", "an empty item"},
    {"a", "\"a\"; expected HOST:PORT"},
    {"a:", "\"a:\""},
    {":80", "\":80\""},
    {"a:0", "port 1-65535"},
    {"a:65536", "\"a:65536\""},
    {"a:12x", "\"a:12x\""},
    {"ipc://", "\"ipc://\""},
    {"a:1,a:1", "named more than once"},
  };
  for (const auto& r : rows) {
    list out;
    std::string error;
    EXPECT_FALSE(parse_endpoint_list(r.text, &out, &error)) << r.text;
    EXPECT_NE(error.find(r.must_mention), std::string::npos) << r.text << ": " << error;
  }
  std::string many;
  for (int i = 1; i <= 17; ++i)
    many += (many.empty() ? "" : ",") + std::string("h:") + std::to_string(i);
  list out;
  std::string error;
  EXPECT_FALSE(parse_endpoint_list(many, &out, &error));
  EXPECT_NE(error.find("more than 16"), std::string::npos) << error;
}

TEST(failover_order, starts_from_the_last_answer_and_wraps_round) {
  list three{"a:1", "b:2", "c:3"};
  EXPECT_EQ(failover_order(three, ""), three);
  EXPECT_EQ(failover_order(three, "a:1"), three);
  EXPECT_EQ(failover_order(three, "b:2"), list({"b:2", "c:3", "a:1"}));
  EXPECT_EQ(failover_order(three, "c:3"), list({"c:3", "a:1", "b:2"}));
  EXPECT_EQ(failover_order(three, "z:9"), three) << "a remembered endpoint not in the list";
  EXPECT_EQ(failover_order(list{"a:1"}, "z:9"), list({"a:1"}));
}

TEST(client_state_dir, xdg_config_home_then_home) {
  EXPECT_EQ(client_state_dir("/x/conf", "/home/u"), "/x/conf/troupe");
  EXPECT_EQ(client_state_dir(nullptr, "/home/u"), "/home/u/.config/troupe");
  EXPECT_EQ(client_state_dir("relative", "/home/u"), "/home/u/.config/troupe")
    << "the XDG spec ignores a relative XDG_CONFIG_HOME";
  EXPECT_EQ(client_state_dir("", "/home/u"), "/home/u/.config/troupe");
  EXPECT_EQ(client_state_dir(nullptr, nullptr), "");
  EXPECT_EQ(client_state_dir(nullptr, ""), "");
}

} // namespace
} // namespace troupe::cli
