// Test helper: runs SQL statements on a SQLite file (to set up or damage a
// manager's raft.db/state.db) and fails the test when they do not run.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace troupe::test {

inline void sqlite_exec(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* msg = nullptr;
  EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &msg), SQLITE_OK)
      << (msg ? msg : "");
  sqlite3_free(msg);
  sqlite3_close(db);
}

} // namespace troupe::test
