// A manager's stored state checked before the node starts on it: each
// SQLite file passes `PRAGMA quick_check`, and raft.db and state.db agree
// (the log has no gap, the commit index is within the log, the state has not
// applied past the log). A problem is one sentence naming the file and the
// index, and the node does not start: nothing is changed. The way out is in
// docs/config.md ("A damaged data dir"): `troupe agent --recover`
// (data_recover.hpp) or a restore.
#pragma once

#include <cstdint>
#include <string>

namespace troupe {

/// "" when DIR/raft.db and DIR/state.db (either may be missing: a new node)
/// are sound, else what is wrong with which file.
std::string check_manager_data(const std::string& manager_dir);

/// The raft.db half: "" when `raft_path` is sound or missing; *log_end gets
/// the last index it holds (entries or snapshot; 0 when missing).
std::string check_raft_data(const std::string& raft_path, uint64_t* log_end);

/// The state.db half: "" when `state_path` is sound or missing and, if
/// `have_log`, has not applied past `log_end`; *applied gets its index.
std::string check_state_data(const std::string& state_path, const std::string& raft_path,
                             bool have_log, uint64_t log_end, uint64_t* applied);

} // namespace troupe
