// A manager's stored state checked before the node starts on it: each
// SQLite file passes `PRAGMA quick_check`, and raft.db and state.db agree
// (the log has no gap, the commit index is within the log, the state has not
// applied past the log). A problem is one sentence naming the file and the
// index, and the node does not start: nothing is changed. The way out is in
// docs/config.md ("A damaged data dir").
#pragma once

#include <string>

namespace troupe {

/// "" when DIR/raft.db and DIR/state.db (either may be missing: a new node)
/// are sound, else what is wrong with which file.
std::string check_manager_data(const std::string& manager_dir);

} // namespace troupe
