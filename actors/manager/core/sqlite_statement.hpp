// A prepared SQLite statement that finalizes itself, shared by the state
// database and the Raft log. Check it with `if (!st)` after construction;
// strings are bound as copies (SQLITE_TRANSIENT).
#pragma once

#include <cstdint>
#include <string>

#include <sqlite3.h>

namespace troupe {

class sqlite_statement {
public:
  sqlite_statement(sqlite3* db, const char* sql) {
    sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~sqlite_statement() { sqlite3_finalize(stmt_); }
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;

  explicit operator bool() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  void bind(int i, int64_t value) { sqlite3_bind_int64(stmt_, i, value); }
  void bind_text(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void bind_blob(int i, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()),
                      SQLITE_TRANSIENT);
  }

  int step() { return sqlite3_step(stmt_); }
  void reset() { sqlite3_reset(stmt_); }

  int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  std::string column_blob(int i) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, i)) : std::string{};
  }
  std::string column_text(int i) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p) : std::string{};
  }

private:
  sqlite3_stmt* stmt_ = nullptr;
};

} // namespace troupe
