#include "runtime/log_stamp.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace troupe {

std::string format_log_time(int64_t unix_ns) {
  time_t secs = static_cast<time_t>(unix_ns / 1000000000);
  long nanos = static_cast<long>(unix_ns % 1000000000);
  if (nanos < 0) {
    secs -= 1;
    nanos += 1000000000;
  }
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
  return buf;
}

log_line_view split_log_line(std::string_view line) {
  log_line_view out;
  out.text = line;
  if (line.size() < log_stamp_size || line[log_stamp_size - 1] != ' '
      || line[log_stamp_size - 2] != 'Z')
    return out;
  // YYYY-MM-DDTHH:MM:SS.NNNNNNNNN: digits where digits go, the rest exact.
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.ddddddddd";
  int64_t fields[7] = {0};
  int field = 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    char c = line[i];
    if (shape[i] == 'd') {
      if (c < '0' || c > '9')
        return out;
      fields[field] = fields[field] * 10 + (c - '0');
    } else if (c != shape[i]) {
      return out;
    } else {
      ++field;
    }
  }
  std::tm tm{};
  tm.tm_year = static_cast<int>(fields[0]) - 1900;
  tm.tm_mon = static_cast<int>(fields[1]) - 1;
  tm.tm_mday = static_cast<int>(fields[2]);
  tm.tm_hour = static_cast<int>(fields[3]);
  tm.tm_min = static_cast<int>(fields[4]);
  tm.tm_sec = static_cast<int>(fields[5]);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31
      || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return out;
  out.time_ns = static_cast<int64_t>(::timegm(&tm)) * 1000000000 + fields[6];
  out.text = line.substr(log_stamp_size);
  return out;
}

void line_stamper::emit(std::string_view text, std::string* out) {
  *out += format_log_time(partial_since_ns_);
  *out += ' ';
  out->append(text.data(), text.size());
  *out += '\n';
}

void line_stamper::feed(const char* data, size_t size, int64_t now_ns, std::string* out) {
  std::string_view in(data, size);
  while (!in.empty()) {
    if (partial_.empty())
      partial_since_ns_ = now_ns;
    auto nl = in.find('\n');
    auto take = std::min(nl == std::string_view::npos ? in.size() : nl,
                         max_line - partial_.size());
    partial_.append(in.data(), take);
    in.remove_prefix(take);
    bool line_ends = !in.empty() && in.front() == '\n';
    if (line_ends)
      in.remove_prefix(1);
    if (line_ends || partial_.size() == max_line) {
      emit(partial_, out);
      partial_.clear();
    }
  }
}

void line_stamper::flush(std::string* out) {
  if (partial_.empty())
    return;
  emit(partial_, out);
  partial_.clear();
}

int64_t line_stamper::partial_due_ns() const {
  return partial_.empty() ? -1 : partial_since_ns_ + partial_flush_ns;
}

} // namespace troupe
