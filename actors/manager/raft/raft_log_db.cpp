// raft_log_db: Raft log, hard state and snapshot in SQLite (see the header).
#include "actors/manager/raft/raft_log_db.hpp"

#include "actors/manager/core/sqlite_statement.hpp"

#include <sqlite3.h>

namespace troupe::raft {
namespace {

const char* schema_sql =
  "PRAGMA journal_mode=WAL;"
  "PRAGMA synchronous=FULL;"
  "CREATE TABLE IF NOT EXISTS raft_entries("
  "  idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL,"
  "  data BLOB);"
  "CREATE TABLE IF NOT EXISTS raft_state("
  "  id INTEGER PRIMARY KEY CHECK (id = 0), term INTEGER, vote TEXT,"
  "  commit_idx INTEGER);"
  "CREATE TABLE IF NOT EXISTS raft_snapshot("
  "  id INTEGER PRIMARY KEY CHECK (id = 0), data BLOB);";

using statement = sqlite_statement;

bool fail(sqlite3* db, const std::string& what, std::string* error) {
  if (error)
    *error = what + ": " + sqlite3_errmsg(db);
  return false;
}

bool exec(sqlite3* db, const char* sql, std::string* error) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK)
    return true;
  return fail(db, "raft log database statement failed", error);
}

bool run(sqlite3* db, statement& st, const char* what, std::string* error) {
  if (!st || st.step() != SQLITE_DONE)
    return fail(db, what, error);
  st.reset();
  return true;
}

} // namespace

std::unique_ptr<raft_log_db> raft_log_db::open(const std::string& path,
                                               std::string* error) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    if (error)
      *error = "cannot open the raft log database " + path + ": "
               + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  std::unique_ptr<raft_log_db> self(new raft_log_db(db));
  sqlite3_busy_timeout(db, 5000);
  if (!exec(db, schema_sql, error) || !self->load(error))
    return nullptr;
  return self;
}

raft_log_db::~raft_log_db() { sqlite3_close(db_); }

bool raft_log_db::load(std::string* error) {
  ready rd; // replayed into the cache: snapshot, entries, hard state
  statement snap(db_, "SELECT data FROM raft_snapshot WHERE id = 0");
  if (snap && snap.step() == SQLITE_ROW) {
    pb::RaftSnapshot s;
    if (!s.ParseFromString(snap.column_blob(0)))
      return fail(db_, "the stored raft snapshot is corrupt", error);
    rd.snapshot = s;
  }
  statement ents(db_, "SELECT idx, term, type, data FROM raft_entries "
                      "WHERE idx > ?1 ORDER BY idx");
  if (!ents)
    return fail(db_, "cannot read the raft_entries table", error);
  ents.bind(1, static_cast<int64_t>(rd.snapshot ? rd.snapshot->index() : 0));
  while (ents.step() == SQLITE_ROW) {
    pb::RaftEntry e;
    e.set_index(static_cast<uint64_t>(ents.column_int(0)));
    e.set_term(static_cast<uint64_t>(ents.column_int(1)));
    e.set_type(static_cast<uint32_t>(ents.column_int(2)));
    e.set_data(ents.column_blob(3));
    rd.entries.push_back(std::move(e));
  }
  statement hs(db_, "SELECT term, vote, commit_idx FROM raft_state WHERE id = 0");
  if (hs && hs.step() == SQLITE_ROW) {
    pb::RaftHardState h;
    h.set_term(static_cast<uint64_t>(hs.column_int(0)));
    h.set_vote(hs.column_blob(1));
    h.set_commit(static_cast<uint64_t>(hs.column_int(2)));
    rd.hard_state = h;
  }
  if (!cache_.save(rd, error)) {
    if (error)
      *error = "the stored raft log has a gap: " + *error;
    return false;
  }
  return true;
}

bool raft_log_db::write(const ready& rd, std::string* error) {
  statement put_snap(db_, "INSERT OR REPLACE INTO raft_snapshot(id, data) "
                          "VALUES(0, ?1)");
  statement drop_upto(db_, "DELETE FROM raft_entries WHERE idx <= ?1");
  statement drop_from(db_, "DELETE FROM raft_entries WHERE idx >= ?1");
  uint64_t snap_index = cache_.snapshot().index();
  for (const auto* s : {&rd.compacted, &rd.snapshot}) {
    if (!*s || (*s)->index() <= snap_index)
      continue;
    snap_index = (*s)->index();
    put_snap.bind_blob(1, (*s)->SerializeAsString());
    drop_upto.bind(1, static_cast<int64_t>(s == &rd.snapshot ? INT64_MAX
                                                             : snap_index));
    if (!run(db_, put_snap, "cannot store the raft snapshot", error)
        || !run(db_, drop_upto, "cannot compact the raft log", error))
      return false;
  }
  if (!rd.entries.empty()) {
    statement put(db_, "INSERT INTO raft_entries(idx, term, type, data) "
                       "VALUES(?1, ?2, ?3, ?4)");
    drop_from.bind(1, static_cast<int64_t>(rd.entries.front().index()));
    if (!run(db_, drop_from, "cannot truncate the raft log", error))
      return false;
    for (const auto& e : rd.entries) {
      put.bind(1, static_cast<int64_t>(e.index()));
      put.bind(2, static_cast<int64_t>(e.term()));
      put.bind(3, static_cast<int64_t>(e.type()));
      put.bind_blob(4, e.data());
      if (!run(db_, put, "cannot append to the raft log", error))
        return false;
    }
  }
  if (rd.hard_state) {
    statement st(db_, "INSERT OR REPLACE INTO raft_state(id, term, vote, "
                      "commit_idx) VALUES(0, ?1, ?2, ?3)");
    st.bind(1, static_cast<int64_t>(rd.hard_state->term()));
    st.bind_text(2, rd.hard_state->vote());
    st.bind(3, static_cast<int64_t>(rd.hard_state->commit()));
    if (!run(db_, st, "cannot store the raft hard state", error))
      return false;
  }
  return true;
}

bool raft_log_db::save(const ready& rd, std::string* error) {
  if (!rd.snapshot && !rd.compacted && rd.entries.empty() && !rd.hard_state)
    return true;
  if (!cache_.check(rd, error)) // check the batch before touching the disk
    return false;
  if (!exec(db_, "BEGIN IMMEDIATE", error))
    return false;
  if (!write(rd, error) || !exec(db_, "COMMIT", error)) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  return cache_.save(rd, error);
}

} // namespace troupe::raft
