// `troupe node update` flags: --label-add KEY=VALUE and --label-rm KEY.
#include <gtest/gtest.h>

#include "cli/node_args.hpp"

namespace troupe::cli {
namespace {

TEST(parse_label_args, accepts_adds_and_removes) {
  pb::NodeUpdate u;
  std::string error;
  ASSERT_TRUE(parse_label_args({"zone=eu", "tier=", "url=a=b"}, {"disk", "disk"},
                               &u, &error)) << error;
  EXPECT_EQ(u.labels_add().size(), 3u);
  EXPECT_EQ(u.labels_add().at("zone"), "eu");
  EXPECT_EQ(u.labels_add().at("tier"), "") << "an empty value is a value";
  EXPECT_EQ(u.labels_add().at("url"), "a=b") << "split at the first =";
  ASSERT_EQ(u.labels_rm_size(), 1) << "a key removed twice is removed once";
  EXPECT_EQ(u.labels_rm(0), "disk");
}

TEST(parse_label_args, rejects_bad_flags_with_a_sentence_naming_them) {
  struct row {
    std::vector<std::string> adds, removes;
    const char* must_mention;
  };
  std::vector<row> rows = {
      {{"zone"}, {}, "--label-add \"zone\": expected KEY=VALUE"},
      {{"=eu"}, {}, "--label-add \"=eu\": the label key must be non-empty"},
      {{"my zone=eu"}, {}, "\"my zone=eu\": the label key must be non-empty and without spaces"},
      {{}, {""}, "--label-rm \"\""},
      {{}, {"a b"}, "--label-rm \"a b\""},
      {{"zone=eu", "zone=us"}, {}, "label zone is added more than once"},
      {{"zone=eu"}, {"zone"}, "label zone is both added and removed"},
      {{}, {}, "needs --label-add KEY=VALUE or --label-rm KEY"},
  };
  for (const auto& r : rows) {
    pb::NodeUpdate u;
    std::string error;
    EXPECT_FALSE(parse_label_args(r.adds, r.removes, &u, &error));
    EXPECT_NE(error.find(r.must_mention), std::string::npos)
        << "error was: " << error;
  }
}

} // namespace
} // namespace troupe::cli
