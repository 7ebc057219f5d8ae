// libprotobuf's own log (e.g. "String field contains invalid UTF-8" for each
// bad request) goes through the node's log (stderr) with a rate limit: at
// most `burst` lines per `window`, then one line saying how many were
// dropped. The limiter is pure (time passed in); install() hooks it into
// protobuf's SetLogHandler for the process.
#pragma once

#include <cstdint>
#include <string>

namespace troupe {

class log_rate_limit {
public:
  log_rate_limit(int burst, int64_t window_ms) : burst_(burst), window_ms_(window_ms) {}

  /// The lines to write for one message at `now_ms` (none when it is
  /// dropped; a note of the dropped ones first when a new window opens).
  std::string admit(int64_t now_ms, const std::string& line);

private:
  int burst_;
  int64_t window_ms_;
  int64_t window_start_ = INT64_MIN;
  int in_window_ = 0;
  uint64_t dropped_ = 0;
};

/// Routes libprotobuf's log to stderr as "troupe: protobuf: ...", at most
/// 10 lines a minute.
void install_protobuf_log();

} // namespace troupe
