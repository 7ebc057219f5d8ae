// recover_manager_data(): `troupe agent --recover` (see the header).
#include "actors/node/data_recover.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include <sqlite3.h>

#include "actors/manager/core/sqlite_statement.hpp"
#include "actors/manager/raft/raft_log_db.hpp"
#include "actors/node/data_check.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Moves FILE (and FILE-wal, FILE-shm) to FILE.damaged-STAMP(-wal, -shm);
/// the new path, or "" with *error.
std::string move_aside(const std::string& path, const std::string& stamp, std::string* error) {
  auto to = path + ".damaged-" + stamp;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    auto from = path + suffix;
    if (!exists(from))
      continue;
    if (std::rename(from.c_str(), (to + suffix).c_str()) != 0) {
      *error = "cannot move " + from + " aside to " + to + suffix;
      return "";
    }
  }
  return to;
}

/// What could be read from a damaged raft.db.
struct salvage {
  std::optional<pb::RaftSnapshot> snapshot;
  std::optional<pb::RaftHardState> hard_state;
  std::vector<pb::RaftEntry> entries;   // as read, in index order
  std::vector<salvaged_row> rows;       // the same, judged
  std::string stopped;                  // why reading stopped early ("" = it did not)
  std::string snapshot_problem;
};

salvage read_damaged_log(const std::string& path) {
  salvage out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    out.stopped = "it cannot be opened: " + std::string(db ? sqlite3_errmsg(db) : "");
    sqlite3_close(db);
    return out;
  }
  {
    sqlite_statement snap(db, "SELECT data FROM raft_snapshot WHERE id = 0");
    if (snap && snap.step() == SQLITE_ROW) {
      pb::RaftSnapshot s;
      if (s.ParseFromString(snap.column_blob(0)))
        out.snapshot = s;
      else
        out.snapshot_problem = "its snapshot cannot be read";
    }
    sqlite_statement hs(db, "SELECT term, vote, commit_idx FROM raft_state WHERE id = 0");
    if (hs && hs.step() == SQLITE_ROW) {
      pb::RaftHardState h;
      h.set_term(static_cast<uint64_t>(std::max<int64_t>(0, hs.column_int(0))));
      h.set_vote(hs.column_blob(1));
      h.set_commit(static_cast<uint64_t>(std::max<int64_t>(0, hs.column_int(2))));
      out.hard_state = h;
    }
  }
  sqlite_statement ents(db, "SELECT idx, term, type, data FROM raft_entries "
                            "WHERE idx > ?1 ORDER BY idx");
  if (!ents) {
    out.stopped = "its entries cannot be read: " + std::string(sqlite3_errmsg(db));
    sqlite3_close(db);
    return out;
  }
  ents.bind(1, static_cast<int64_t>(out.snapshot ? out.snapshot->index() : 0));
  int rc;
  while ((rc = ents.step()) == SQLITE_ROW) {
    pb::RaftEntry e;
    e.set_index(static_cast<uint64_t>(std::max<int64_t>(0, ents.column_int(0))));
    e.set_term(static_cast<uint64_t>(std::max<int64_t>(0, ents.column_int(1))));
    auto type = ents.column_int(2);
    e.set_type(static_cast<uint32_t>(type));
    e.set_data(ents.column_blob(3));
    pb::Entry app;
    bool readable = (type == 0 && app.ParseFromString(e.data())) || type == 1;
    out.rows.push_back({e.index(), e.term(), readable});
    out.entries.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE)
    out.stopped = "reading stopped after " + std::to_string(out.rows.size())
                  + " entries: " + sqlite3_errmsg(db);
  ents.reset();
  sqlite3_close(db);
  return out;
}

/// Rewrites raft.db from what read_damaged_log() kept; one line per change.
bool rebuild_log(const std::string& path, const std::string& moved, salvage& s,
                 uint64_t keep_applied, std::vector<std::string>* done, std::string* error) {
  uint64_t snap_index = s.snapshot ? s.snapshot->index() : 0;
  uint64_t snap_term = s.snapshot ? s.snapshot->term() : 0;
  std::string why;
  size_t kept = sound_prefix(snap_index, snap_term, s.rows, &why);
  if (why.empty())
    why = s.stopped;
  s.entries.resize(kept);
  uint64_t log_end = snap_index + kept;
  if (!s.snapshot_problem.empty())
    done->push_back("dropped the snapshot of " + base_name(path) + ": "
                    + s.snapshot_problem);
  if (s.snapshot)
    done->push_back("kept the snapshot of " + base_name(path) + " at index "
                    + std::to_string(snap_index));
  if (!why.empty())
    done->push_back("kept the Raft log up to index " + std::to_string(log_end) + " ("
                    + std::to_string(kept) + " entries); dropped the rest: " + why);
  else
    done->push_back("kept the whole Raft log, up to index " + std::to_string(log_end)
                    + " (" + std::to_string(kept) + " entries)");
  raft::ready rd;
  rd.snapshot = s.snapshot;
  rd.entries = s.entries;
  pb::RaftHardState hs = s.hard_state ? *s.hard_state : pb::RaftHardState{};
  uint64_t last_term = kept > 0 ? s.entries.back().term() : snap_term;
  hs.set_term(std::max(hs.term(), last_term));
  // Committed: what the snapshot and the kept state hold, at most the log's end.
  uint64_t commit = std::min(hs.commit(), log_end);
  commit = std::max({commit, snap_index, std::min(keep_applied, log_end)});
  if (commit != hs.commit())
    done->push_back("set the commit index from " + std::to_string(hs.commit()) + " to "
                    + std::to_string(commit) + " (within the kept log)");
  hs.set_commit(commit);
  rd.hard_state = hs;
  std::string err;
  auto log = raft::raft_log_db::open(path, &err);
  if (!log || !log->save(rd, &err)) {
    *error = "cannot write a new " + path + ": " + err + " (the damaged file is " + moved
             + ")";
    return false;
  }
  return true;
}

} // namespace

size_t sound_prefix(uint64_t snap_index, uint64_t snap_term,
                    const std::vector<salvaged_row>& rows, std::string* why) {
  why->clear();
  uint64_t next = snap_index + 1, term = snap_term;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.index != next)
      *why = "index " + std::to_string(next) + " is missing (the next entry is "
             + std::to_string(r.index) + ")";
    else if (!r.readable)
      *why = "entry " + std::to_string(r.index) + " cannot be read";
    else if (r.term < term)
      *why = "entry " + std::to_string(r.index) + " has term " + std::to_string(r.term)
             + ", lower than the entry before it (" + std::to_string(term) + ")";
    if (!why->empty())
      return i;
    ++next;
    term = r.term;
  }
  return rows.size();
}

recovery recover_manager_data(const std::string& dir, const std::string& stamp) {
  recovery out;
  const auto raft_path = dir + "/raft.db", state_path = dir + "/state.db";
  uint64_t log_end = 0, applied = 0;
  bool have_log = exists(raft_path);
  auto raft_problem = check_raft_data(raft_path, &log_end);
  // The state is judged against the log as it will be; first on its own.
  auto state_problem = check_state_data(state_path, raft_path, false, 0, &applied);
  if (!raft_problem.empty()) {
    auto moved = move_aside(raft_path, stamp, &out.error);
    if (moved.empty())
      return out;
    out.done.push_back("moved the damaged " + base_name(raft_path) + " aside to " + moved
                       + " (it " + raft_problem.substr(raft_path.size() + 1) + ")");
    auto s = read_damaged_log(moved);
    uint64_t keep = state_problem.empty() ? applied : 0;
    if (!rebuild_log(raft_path, moved, s, keep, &out.done, &out.error))
      return out;
    raft_problem = check_raft_data(raft_path, &log_end);
  }
  std::string why_state;
  if (!state_problem.empty())
    why_state = "it " + state_problem.substr(state_path.size() + 1);
  else if (exists(state_path) && have_log && applied > log_end)
    why_state = "it has applied index " + std::to_string(applied) + ", past the end of "
                + base_name(raft_path) + " at index " + std::to_string(log_end);
  if (!why_state.empty()) {
    auto moved = move_aside(state_path, stamp, &out.error);
    if (moved.empty())
      return out;
    out.done.push_back("moved " + base_name(state_path) + " aside to " + moved + " ("
                       + why_state + "); the node rebuilds it from the snapshot and the log");
  }
  if (auto still = check_manager_data(dir); !still.empty())
    out.error = "the data dir is still not sound after --recover: " + still;
  return out;
}

} // namespace troupe
