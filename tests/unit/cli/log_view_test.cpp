// `service logs`' --since and its printing: durations and UTC times, the
// mistakes refused, lines ordered by their stamps across tasks.
#include <gtest/gtest.h>

#include "cli/log_view.hpp"

namespace troupe::cli {
namespace {

constexpr int64_t now = 1796416560000;  // 2026-12-04T20:36:00Z in ms

TEST(LogView, SinceTakesADurationOrAUtcTime) {
  EXPECT_EQ(parse_since_ms("10m", now), now - 600000);
  EXPECT_EQ(parse_since_ms("2026-12-04T20:36:00Z", now), now);
  EXPECT_EQ(parse_since_ms("2026-12-04T20:36:00.25Z", now), now + 250);
  for (const char* bad : {"", "yesterday", "-5m", "0s", "2026-12-04 20:36:00Z",
                          "2026-12-04T20:36:00", "2026-12-04T20:36:00+01:00",
                          "2026-12-04T20:36:00.Z", "2026-12-40T20:36:00Z"})
    EXPECT_FALSE(parse_since_ms(bad, now)) << bad;
}

TEST(LogView, LinesAreOrderedByTheirStampsAndShowThemWithTimestamps) {
  pb::LogChunk chunk;
  auto add = [&](const char* task, const char* text, int64_t ns) {
    auto* l = chunk.add_lines();
    l->set_task_id(task);
    l->set_text(text);
    l->set_time_ns(ns);
  };
  const int64_t t = now * 1000000;
  add("web.1.a", "a second", t + 2000);
  add("web.1.a", "a third", t + 3000);
  add("web.2.b", "b first", t + 1000);
  add("web.2.b", "unstamped", 0);
  EXPECT_EQ(log_lines_text(chunk, false),
            "web.2.b | unstamped\nweb.2.b | b first\nweb.1.a | a second\nweb.1.a | a third\n");
  EXPECT_EQ(log_lines_text(chunk, true),
            "- web.2.b | unstamped\n"
            "2026-12-04T20:36:00.000001000Z web.2.b | b first\n"
            "2026-12-04T20:36:00.000002000Z web.1.a | a second\n"
            "2026-12-04T20:36:00.000003000Z web.1.a | a third\n");
}

} // namespace
} // namespace troupe::cli
