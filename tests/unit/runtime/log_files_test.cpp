#include <fstream>
#include <gtest/gtest.h>

#include "runtime/log_files.hpp"
#include "tests/unit/runtime/test_util.hpp"

using namespace troupe;
using troupe::test::temp_dir;

namespace {

void write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::trunc) << content;
}

using lines = std::vector<std::string>;

struct tail_case {
  std::string content;
  uint32_t tail;
  lines expected;
  uint64_t next_offset;
};

TEST(log_files_test, tail_reads_last_complete_lines) {
  const tail_case cases[] = {
    {"", 5, {}, 0},
    {"a\nb\nc\n", 0, {"a", "b", "c"}, 6},
    {"a\nb\nc\n", 2, {"b", "c"}, 6},
    {"a\nb\nc\n", 10, {"a", "b", "c"}, 6},
    {"a\nb\nc", 2, {"a", "b"}, 4},   // partial last line left for later
    {"partial", 3, {}, 0},
    {"\n\nx\n", 2, {"", "x"}, 4},
  };
  temp_dir dir;
  for (auto& c : cases) {
    write(dir / "log", c.content);
    auto r = read_log_tail(dir / "log", c.tail);
    EXPECT_EQ(r.lines, c.expected) << "content '" << c.content << "' tail " << c.tail;
    EXPECT_EQ(r.next_offset, c.next_offset) << "content '" << c.content << "'";
  }
}

TEST(log_files_test, tail_of_a_file_bigger_than_a_block) {
  temp_dir dir;
  std::string content;
  for (int i = 0; i < 30000; ++i)
    content += "line " + std::to_string(i) + "\n";
  write(dir / "log", content);
  auto r = read_log_tail(dir / "log", 3);
  EXPECT_EQ(r.lines, (lines{"line 29997", "line 29998", "line 29999"}));
  EXPECT_EQ(r.next_offset, content.size());
  EXPECT_EQ(read_log_tail(dir / "log", 0).lines.size(), 30000u);
}

TEST(log_files_test, missing_file_reads_as_empty) {
  auto r = read_log_tail("/nonexistent/troupe.log", 10);
  EXPECT_TRUE(r.lines.empty());
  EXPECT_EQ(r.next_offset, 0u);
  EXPECT_TRUE(read_log_since("/nonexistent/troupe.log", 7).lines.empty());
}

TEST(log_files_test, since_offset_leaves_partial_line_for_the_next_read) {
  temp_dir dir;
  write(dir / "log", "one\ntw");
  auto r = read_log_since(dir / "log", 0);
  EXPECT_EQ(r.lines, lines{"one"});
  EXPECT_EQ(r.next_offset, 4u);
  std::ofstream(dir / "log", std::ios::app) << "o\nthree\n";
  auto r2 = read_log_since(dir / "log", r.next_offset);
  EXPECT_EQ(r2.lines, (lines{"two", "three"}));
  EXPECT_EQ(r2.next_offset, 14u);
  auto r3 = read_log_since(dir / "log", r2.next_offset);
  EXPECT_TRUE(r3.lines.empty());
  EXPECT_EQ(r3.next_offset, 14u);
}

TEST(log_files_test, truncated_file_is_read_from_the_start) {
  temp_dir dir;
  write(dir / "log", "old line one\nold line two\n");
  auto r = read_log_since(dir / "log", 0);
  ASSERT_EQ(r.next_offset, 26u);
  write(dir / "log", "new\n");
  auto r2 = read_log_since(dir / "log", r.next_offset);
  EXPECT_EQ(r2.lines, lines{"new"});
  EXPECT_EQ(r2.next_offset, 4u);
}

} // namespace
