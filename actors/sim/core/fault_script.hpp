// Faults for `troupe sim`, from a script file or typed on its stdin. One
// fault per line; `#` starts a comment. In a script each line starts with
// `at DURATION` (from the start of the simulation); on stdin a fault without
// `at` happens when it is read.
//   at 30s kill-workers 100         100 workers die at once (chosen by the seed)
//   at 1m partition-workers 50 for 20s   50 workers lose the managers, then heal
//   at 2m kill-leader               the leading manager dies (as by kill -9)
// Pure: parse_faults only reads the text it is given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::sim {

enum class fault_kind { kill_workers, partition_workers, kill_leader };

struct fault {
  int64_t at_ms = 0;       // from the start; -1 = now (stdin)
  fault_kind kind = fault_kind::kill_leader;
  uint64_t count = 0;      // workers (kill_workers, partition_workers)
  int64_t for_ms = 0;      // partition_workers: how long
  int line = 0;
};

/// The most lines a script may have, and the most workers one fault names.
constexpr size_t max_fault_lines = 10000;
constexpr uint64_t max_fault_workers = 1000000;

struct parsed_faults {
  std::vector<fault> faults;  // in the order of the text; sorted by at_ms
  std::string error;          // "LINE N: ..." on the first bad line ("" = ok)
};

/// Parses `text`. `timed`: every line needs `at DURATION` (a script file);
/// otherwise none may have it (stdin).
parsed_faults parse_faults(const std::string& text, bool timed);

/// The line's words back as the user wrote them ("kill-workers 100").
std::string describe(const fault& f);

} // namespace troupe::sim
