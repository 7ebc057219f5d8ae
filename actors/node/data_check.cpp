#include "actors/node/data_check.hpp"

#include <sys/stat.h>

#include <sqlite3.h>

#include "actors/manager/core/sqlite_statement.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Opened read-write (never created) so that SQLite can replay a WAL left by a
// killed node; the checks only read.
class readonly_db {
public:
  explicit readonly_db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      error_ = db_ ? sqlite3_errmsg(db_) : "cannot open it";
  }
  ~readonly_db() { sqlite3_close(db_); }
  sqlite3* get() const { return db_; }
  const std::string& error() const { return error_; }

private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

/// "" or what quick_check (or opening) says is wrong.
std::string integrity(const readonly_db& db) {
  if (!db.error().empty())
    return db.error();
  sqlite_statement st(db.get(), "PRAGMA quick_check");
  if (!st)
    return sqlite3_errmsg(db.get());
  int rc = st.step();
  if (rc != SQLITE_ROW)
    return sqlite3_errmsg(db.get());
  auto first = st.column_text(0);
  if (first == "ok")
    return "";
  for (auto i = first.find('\n'); i != std::string::npos; i = first.find('\n', i))
    first.replace(i, 1, "; ");  // one line: SQLite lists one problem per line
  return first;
}

int64_t single_int(sqlite3* db, const char* sql, int64_t fallback) {
  sqlite_statement st(db, sql);
  if (!st || st.step() != SQLITE_ROW || sqlite3_column_type(st.get(), 0) == SQLITE_NULL)
    return fallback;
  return st.column_int(0);
}

} // namespace

std::string check_raft_data(const std::string& raft_path, uint64_t* log_end) {
  *log_end = 0; // the last index raft.db holds (entries or snapshot)
  if (!exists(raft_path))
    return "";
  readonly_db db(raft_path);
  if (auto why = integrity(db); !why.empty())
    return raft_path + " is damaged: " + why;
  uint64_t snap_index = 0;
  {
    sqlite_statement snap(db.get(), "SELECT data FROM raft_snapshot WHERE id = 0");
    if (snap && snap.step() == SQLITE_ROW) {
      pb::RaftSnapshot s;
      if (!s.ParseFromString(snap.column_blob(0)))
        return raft_path + " is damaged: its snapshot cannot be read";
      snap_index = s.index();
    }
  }
  auto first = single_int(db.get(), "SELECT MIN(idx) FROM raft_entries", 0);
  auto last = single_int(db.get(), "SELECT MAX(idx) FROM raft_entries", 0);
  auto count = single_int(db.get(), "SELECT COUNT(*) FROM raft_entries", 0);
  auto commit = single_int(db.get(), "SELECT commit_idx FROM raft_state WHERE id = 0", 0);
  if (count > 0 && last - first + 1 != count)
    return raft_path + " is damaged: its log from index " + std::to_string(first)
           + " to " + std::to_string(last) + " misses "
           + std::to_string(last - first + 1 - count) + " entries";
  if (count > 0 && static_cast<uint64_t>(first) > snap_index + 1)
    return raft_path + " is damaged: its log starts at index " + std::to_string(first)
           + " but its snapshot ends at index " + std::to_string(snap_index);
  *log_end = std::max<uint64_t>(snap_index, count > 0 ? static_cast<uint64_t>(last) : 0);
  if (commit > 0 && static_cast<uint64_t>(commit) > *log_end)
    return raft_path + " is damaged: its commit index " + std::to_string(commit)
           + " is beyond its last entry, index " + std::to_string(*log_end);
  return "";
}

std::string check_state_data(const std::string& state_path, const std::string& raft_path,
                             bool have_log, uint64_t log_end, uint64_t* applied) {
  *applied = 0;
  if (!exists(state_path))
    return "";
  readonly_db db(state_path);
  if (auto why = integrity(db); !why.empty())
    return state_path + " is damaged: " + why;
  auto index = single_int(db.get(), "SELECT value FROM meta WHERE key = 'applied_index'", 0);
  *applied = index > 0 ? static_cast<uint64_t>(index) : 0;
  if (have_log && *applied > log_end)
    return state_path + " has applied index " + std::to_string(*applied) + " but "
           + raft_path + " ends at index " + std::to_string(log_end)
           + " (the two files are not from the same node or time)";
  return "";
}

std::string check_manager_data(const std::string& dir) {
  const auto raft_path = dir + "/raft.db", state_path = dir + "/state.db";
  uint64_t log_end = 0, applied = 0;
  if (auto why = check_raft_data(raft_path, &log_end); !why.empty())
    return why;
  return check_state_data(state_path, raft_path, exists(raft_path), log_end, &applied);
}

} // namespace troupe
