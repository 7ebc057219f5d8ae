// Timestamped log lines. The shim reads what a task writes on stdout and
// stderr through pipes and appends each line to its log file with the time
// its first byte was read in front: "2026-12-04T20:56:00.123456789Z text"
// (RFC 3339, UTC, nanoseconds: what `docker logs --timestamps` prints).
// A line longer than max_line is cut into lines of max_line bytes; a partial
// line (no newline yet) is held until its newline, or written as a line of
// its own once the shim has held it for partial_flush_ns. Readers split the
// stamp off; a line without one (written before stamps, or by hand) has
// time 0 and is kept whole. Pure: no I/O, no CAF, linked into troupe-shim.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe {

constexpr size_t log_stamp_size = 31;  // "YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ "

/// "2026-12-04T20:56:00.123456789Z" for a time in ns since the Unix epoch.
std::string format_log_time(int64_t unix_ns);

struct log_line_view {
  int64_t time_ns = 0;    // 0: the line has no stamp
  std::string_view text;  // the line without its stamp
};

/// Splits the stamp off one line (without its '\n').
log_line_view split_log_line(std::string_view line);

class line_stamper {
public:
  static constexpr size_t max_line = 16 * 1024;
  static constexpr int64_t partial_flush_ns = 1000000000;  // 1 s

  /// Appends to *out every line `data` completes, each stamped.
  void feed(const char* data, size_t size, int64_t now_ns, std::string* out);
  /// Appends the held partial line (if any) as a line of its own.
  void flush(std::string* out);
  /// When the held partial line is due (flush), or -1 when none is held.
  int64_t partial_due_ns() const;

private:
  void emit(std::string_view text, std::string* out);
  std::string partial_;
  int64_t partial_since_ns_ = 0;
};

} // namespace troupe
