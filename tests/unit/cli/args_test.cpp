#include <gtest/gtest.h>

#include "cli/args.hpp"

namespace troupe::cli {
namespace {

TEST(parse_scale_args, accepts_service_equals_count) {
  std::vector<pb::ScaleService> out;
  std::string error;
  ASSERT_TRUE(parse_scale_args({"demo_web=3", "demo_db=0"}, &out, &error)) << error;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].service(), "demo_web");
  EXPECT_EQ(out[0].replicas(), 3u);
  EXPECT_EQ(out[1].service(), "demo_db");
  EXPECT_EQ(out[1].replicas(), 0u);
}

TEST(parse_scale_args, rejects_bad_arguments_with_a_sentence_naming_them) {
  struct row { std::vector<std::string> args; const char* must_mention; };
  std::vector<row> rows = {
      {{"web"}, "\"web\": expected SERVICE=REPLICAS"},
      {{"=3"}, "\"=3\": expected SERVICE=REPLICAS"},
      {{"web=x"}, "replica count \"x\" for web"},
      {{"web="}, "replica count \"\" for web"},
      {{"web=-1"}, "replica count \"-1\""},
      {{"web=1.5"}, "replica count \"1.5\""},
      {{"web=100001"}, "from 0 to 100000"},
      {{"web=99999999999999"}, "replica count"},
      {{"web=1", "web=2"}, "web is named more than once"},
      {{}, "at least one"},
  };
  for (const auto& r : rows) {
    std::vector<pb::ScaleService> out;
    std::string error;
    EXPECT_FALSE(parse_scale_args(r.args, &out, &error));
    EXPECT_NE(error.find(r.must_mention), std::string::npos)
        << "error was: " << error;
  }
}

TEST(parse_timeout_flag, accepts_positive_durations_only) {
  int64_t ms = 0;
  std::string error;
  ASSERT_TRUE(parse_timeout_flag("--timeout", "5m", &ms, &error)) << error;
  EXPECT_EQ(ms, 300000);
  for (const char* bad : {"0s", "soon", "-1s", ""}) {
    EXPECT_FALSE(parse_timeout_flag("--timeout", bad, &ms, &error)) << bad;
    EXPECT_NE(error.find("--timeout"), std::string::npos);
  }
}

} // namespace
} // namespace troupe::cli
