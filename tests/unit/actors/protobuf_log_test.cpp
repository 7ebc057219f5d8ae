// The rate limit of libprotobuf's log lines in the node's log.
#include <gtest/gtest.h>

#include "actors/node/protobuf_log.hpp"

namespace troupe {
namespace {

TEST(log_rate_limit, admits_a_burst_per_window_then_says_how_many_it_dropped) {
  log_rate_limit limit{3, 60000};
  std::string out;
  for (int i = 0; i < 100; ++i)
    out += limit.admit(1000 + i, "line\n");
  EXPECT_EQ(out, "line\nline\nline\n");
  EXPECT_EQ(limit.admit(61000, "next\n"),
            "troupe: protobuf: 97 more messages were dropped (at most 3 per 60s)\nnext\n");
  EXPECT_EQ(limit.admit(61001, "again\n"), "again\n");
}

} // namespace
} // namespace troupe
