// `troupe agent --recover`: makes a manager's damaged raft.db and state.db
// (data_check.hpp) consistent again by keeping what is sound, before the
// node starts on them. Contract:
// - a file that passes its check is not touched;
// - a damaged raft.db is moved aside to raft.db.damaged-STAMP (its -wal and
//   -shm files with it) and a new raft.db is written with what could be read
//   from it: the snapshot (if it parses), the hard state (term and vote;
//   the commit index clamped into the kept log), and the longest run of
//   entries right after the snapshot without a gap, an unreadable row, a
//   term going back, or data that is not a troupe entry;
// - a state.db that is damaged, or has applied past the (kept) log, is moved
//   aside the same way: the node rebuilds it from the snapshot and the log;
// - each thing done is one line in `done`; nothing done means both files
//   were sound. *error (one sentence) when a file could not be moved or
//   written, or the files still fail their check afterwards.
// In a cluster of managers a member's log must not lose entries it
// acknowledged: there, prefer starting it empty (docs/config.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

/// One row of raft_entries as read from a damaged file.
struct salvaged_row {
  uint64_t index = 0;
  uint64_t term = 0;
  bool readable = true;  // type known and (application data) a troupe entry
};

/// How many of `rows` (in the order read) continue a log whose snapshot
/// ends at (snap_index, snap_term) with no gap; *why says what stopped it
/// ("" when every row is kept).
size_t sound_prefix(uint64_t snap_index, uint64_t snap_term,
                    const std::vector<salvaged_row>& rows, std::string* why);

struct recovery {
  std::vector<std::string> done;  // one line per thing done
  std::string error;              // "" on success
};

/// Recovers MANAGER_DIR/raft.db and state.db; `stamp` (e.g.
/// "20261202T001500Z") names the files moved aside.
recovery recover_manager_data(const std::string& manager_dir, const std::string& stamp);

} // namespace troupe
