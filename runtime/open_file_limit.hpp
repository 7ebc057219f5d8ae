// The agent's open-file limit. Each task holds a few descriptors in the
// agent (its shim's socket, its log pipe), so the soft limit (often 1,024)
// caps a node at a few hundred tasks long before memory or CPU do.
// Contract: raise_open_file_limit() lifts the soft limit to the hard limit,
// and, when the process may (root with CAP_SYS_RESOURCE), the hard limit to
// fs.nr_open (at most 1,048,576). It never lowers a limit. Children get the
// limit the agent started with (see set_children_open_file_limit in
// child_process.hpp), so tasks see what they would see without troupe.
#pragma once

#include <cstdint>
#include <string>

namespace troupe {

struct open_file_limit {
  uint64_t before_soft = 0;  // the soft limit the process started with
  uint64_t before_hard = 0;  // the hard limit the process started with
  uint64_t now = 0;          // the soft limit after the raise
  uint64_t wanted = 0;       // the most the raise tried for
  std::string error;         // why `now` is below `wanted` ("" when it is not)
};

/// Raises RLIMIT_NOFILE as far as it may; what it found and did.
open_file_limit raise_open_file_limit();

/// The descriptors the agent holds per task, for the sentence that says how
/// many tasks a limit allows.
constexpr uint64_t open_files_per_task = 2;

} // namespace troupe
