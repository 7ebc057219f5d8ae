// state_db: cluster state as protobuf blobs in SQLite (see state_db.hpp).
#include "actors/manager/core/state_db.hpp"

#include "actors/manager/core/sqlite_statement.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace troupe {
namespace {

const char* schema_sql =
  "CREATE TABLE IF NOT EXISTS stacks(key TEXT PRIMARY KEY, data BLOB);"
  "CREATE TABLE IF NOT EXISTS services(key TEXT PRIMARY KEY, data BLOB);"
  "CREATE TABLE IF NOT EXISTS tasks(key TEXT PRIMARY KEY, data BLOB);"
  "CREATE TABLE IF NOT EXISTS nodes(key TEXT PRIMARY KEY, data BLOB);"
  "CREATE TABLE IF NOT EXISTS volumes(key TEXT PRIMARY KEY, data BLOB);"
  "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"
  "DROP TABLE IF EXISTS entries;";  // the entry log of older versions

using statement = sqlite_statement;

bool fail(sqlite3* db, const std::string& what, std::string* error) {
  if (error)
    *error = what + ": " + sqlite3_errmsg(db);
  return false;
}

bool exec(sqlite3* db, const char* sql, std::string* error) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) == SQLITE_OK)
    return true;
  if (error)
    *error = std::string("state database statement failed: ")
             + (msg ? msg : sqlite3_errmsg(db));
  sqlite3_free(msg);
  return false;
}

// Reads every row of `table` into `state` as messages of type T.
template <class T>
bool load_table(sqlite3* db, const char* table, const char* kind,
                cluster_state& state, std::string* error) {
  std::string sql = std::string("SELECT key, data FROM ") + table;
  statement st(db, sql.c_str());
  if (!st)
    return fail(db, std::string("cannot read the ") + table + " table", error);
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    T x;
    if (!x.ParseFromString(st.column_blob(1))) {
      if (error)
        *error = std::string("the state database holds a corrupt ") + kind
                 + " record '" + st.column_text(0) + "'";
      return false;
    }
    state.put(x);
  }
  if (rc != SQLITE_DONE)
    return fail(db, std::string("cannot read the ") + table + " table", error);
  return true;
}

// Upserts or deletes the objects of one table named in `keys`.
template <class Map>
bool save_table(sqlite3* db, const char* table,
                const std::set<std::string>& keys, const Map& objects,
                std::string* error) {
  if (keys.empty())
    return true;
  std::string t = table;
  statement put(db, ("INSERT OR REPLACE INTO " + t
                     + "(key, data) VALUES(?1, ?2)").c_str());
  statement del(db, ("DELETE FROM " + t + " WHERE key = ?1").c_str());
  if (!put || !del)
    return fail(db, "cannot write the " + t + " table", error);
  for (auto& key : keys) {
    const auto* object = objects.get(key);
    statement& st = object == nullptr ? del : put;
    sqlite3_reset(st.get());
    st.bind_text(1, key);
    if (object != nullptr)
      st.bind_blob(2, object->SerializeAsString());
    if (st.step() != SQLITE_DONE)
      return fail(db, "cannot write " + t + " record '" + key + "'", error);
  }
  return true;
}

} // namespace

std::unique_ptr<state_db> state_db::open(const std::string& path,
                                         std::string* error) {
  auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    if (error)
      *error = "cannot open the state database " + path + ": the directory "
               + parent.string() + " does not exist";
    return nullptr;
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    if (error)
      *error = "cannot open the state database " + path + ": "
               + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 2000);
  std::unique_ptr<state_db> result(new state_db(db));
  std::string why;
  if (!exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", &why)
      || !exec(db, schema_sql, &why)) {
    if (error)
      *error = "cannot open the state database " + path + ": " + why;
    return nullptr;
  }
  return result;
}

state_db::~state_db() {
  sqlite3_close(db_);
}

bool state_db::load(cluster_state& state, std::string* error) {
  cluster_state fresh;
  if (!load_table<pb::Stack>(db_, "stacks", "stack", fresh, error)
      || !load_table<pb::Service>(db_, "services", "service", fresh, error)
      || !load_table<pb::Task>(db_, "tasks", "task", fresh, error)
      || !load_table<pb::Node>(db_, "nodes", "node", fresh, error)
      || !load_table<pb::Volume>(db_, "volumes", "volume", fresh, error))
    return false;
  uint64_t index = 0;
  if (!applied_index(&index, error))
    return false;
  fresh.set_index(index);
  state = std::move(fresh);
  return true;
}

bool state_db::applied_index(uint64_t* index, std::string* error) {
  statement st(db_, "SELECT value FROM meta WHERE key = 'applied_index'");
  if (!st)
    return fail(db_, "cannot read the meta table", error);
  *index = st.step() == SQLITE_ROW ? static_cast<uint64_t>(st.column_int(0)) : 0;
  return true;
}

bool state_db::save(const touched_keys& touched, const cluster_state& state,
                    std::string* error) {
  if (!exec(db_, "BEGIN IMMEDIATE", error))
    return false;
  bool ok = save_table(db_, "stacks", touched.stacks, state.stacks(), error)
       && save_table(db_, "services", touched.services, state.services(), error)
       && save_table(db_, "tasks", touched.tasks, state.tasks(), error)
       && save_table(db_, "nodes", touched.nodes, state.nodes(), error)
       && save_table(db_, "volumes", touched.volumes, state.volumes(), error);
  if (ok) {
    statement st(db_, "INSERT OR REPLACE INTO meta(key, value) "
                      "VALUES('applied_index', ?1)");
    st.bind(1, static_cast<int64_t>(state.index()));
    if (!st || st.step() != SQLITE_DONE)
      ok = fail(db_, "cannot record the applied index", error);
  }
  if (ok && exec(db_, "COMMIT", error))
    return true;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return false;
}

} // namespace troupe
