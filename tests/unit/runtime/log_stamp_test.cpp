// The shim's line stamps: format and parse round-trip; lines cut at their
// newline, at max_line, and a held partial line; unstamped lines kept whole.
#include <gtest/gtest.h>

#include "runtime/log_stamp.hpp"

namespace troupe {
namespace {

constexpr int64_t t0 = 1796416560123456789;  // 2026-12-04T20:36:00.123456789Z

TEST(LogStamp, FormatsAndParsesRfc3339Nanoseconds) {
  EXPECT_EQ(format_log_time(t0), "2026-12-04T20:36:00.123456789Z");
  auto v = split_log_line(format_log_time(t0) + " hello world");
  EXPECT_EQ(v.time_ns, t0);
  EXPECT_EQ(v.text, "hello world");
  auto empty = split_log_line(format_log_time(t0) + " ");
  EXPECT_EQ(empty.time_ns, t0);
  EXPECT_EQ(empty.text, "");
}

TEST(LogStamp, LinesWithoutAStampAreKeptWhole) {
  for (std::string line : {"plain text", "", "2026-12-04T20:36:00Z short stamp",
                           "2026-13-04T20:36:00.123456789Z month 13",
                           "2026-12-04T20:36:00.12345678xZ not digits"}) {
    auto v = split_log_line(line);
    EXPECT_EQ(v.time_ns, 0) << line;
    EXPECT_EQ(v.text, line);
  }
}

TEST(LogStamp, AStamperCutsLinesAtNewlinesAndHoldsAPartialOne) {
  line_stamper s;
  std::string out;
  s.feed("one ", 4, t0, &out);
  EXPECT_EQ(out, "") << "a partial line is held";
  EXPECT_EQ(s.partial_due_ns(), t0 + line_stamper::partial_flush_ns);
  s.feed("line\ntwo\n\nthr", 13, t0 + 5, &out);
  EXPECT_EQ(out, format_log_time(t0) + " one line\n" + format_log_time(t0 + 5) + " two\n"
                   + format_log_time(t0 + 5) + " \n");
  out.clear();
  s.flush(&out);
  EXPECT_EQ(out, format_log_time(t0 + 5) + " thr\n");
  EXPECT_EQ(s.partial_due_ns(), -1);
}

TEST(LogStamp, ALineLongerThanMaxLineIsCut) {
  line_stamper s;
  std::string data(line_stamper::max_line + 10, 'x');
  data += '\n';
  std::string out;
  s.feed(data.data(), data.size(), t0, &out);
  auto stamp = format_log_time(t0) + " ";
  EXPECT_EQ(out, stamp + std::string(line_stamper::max_line, 'x') + "\n" + stamp
                   + std::string(10, 'x') + "\n");
}

} // namespace
} // namespace troupe
