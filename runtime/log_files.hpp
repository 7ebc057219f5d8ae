// Reading task log files (what drivers write stdout/stderr to): the last N
// lines, or what was appended since a byte offset (for --follow).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

struct log_read {
  std::vector<std::string> lines;  // complete lines, without '\n'
  uint64_t next_offset = 0;        // where the next read should start
};

/// The last `tail` complete lines (0 = all) of the file, and its end offset.
/// A missing file reads as empty.
log_read read_log_tail(const std::string& path, uint32_t tail);

/// Complete lines appended since `offset`; a partial last line is left for
/// the next read. A file shorter than `offset` (truncated) reads from 0.
log_read read_log_since(const std::string& path, uint64_t offset);

} // namespace troupe
