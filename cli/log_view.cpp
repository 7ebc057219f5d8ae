#include "cli/log_view.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

#include "config/units.hpp"
#include "runtime/log_stamp.hpp"

namespace troupe::cli {

std::optional<int64_t> parse_since_ms(std::string_view text, int64_t now_ms) {
  if (auto ago = parse_duration_ms(text); ago && *ago > 0)
    return now_ms - *ago;
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  std::string s(text);
  std::tm tm{};
  int used = 0;
  if (s.size() > 64
      || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6
      || used != 19)
    return std::nullopt;
  size_t i = 19;
  int64_t frac_ms = 0, scale = 100;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
      frac_ms += (s[i] - '0') * scale;
      scale /= 10;
    }
    if (digits == 0)
      return std::nullopt;
  }
  if (i + 1 != s.size() || s[i] != 'Z' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1
      || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(::timegm(&tm)) * 1000 + frac_ms;
}

std::string log_lines_text(const pb::LogChunk& chunk, bool timestamps) {
  std::vector<const pb::LogLine*> lines;
  lines.reserve(chunk.lines_size());
  for (const auto& line : chunk.lines())
    lines.push_back(&line);
  std::stable_sort(lines.begin(), lines.end(), [](const pb::LogLine* a, const pb::LogLine* b) {
    return a->time_ns() < b->time_ns();
  });
  std::string out;
  for (const auto* line : lines) {
    if (timestamps)
      out += (line->time_ns() > 0 ? format_log_time(line->time_ns()) : std::string("-")) + " ";
    out += line->task_id() + " | " + line->text();
    if (line->text().empty() || line->text().back() != '\n')
      out += "\n";
  }
  return out;
}

} // namespace troupe::cli
