// The start-up check of a manager's raft.db and state.db: sound files pass;
// a damaged copy, a commit index beyond the log, a gap and a state ahead of
// the log are each one sentence naming the file and the index.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "actors/manager/core/state_db.hpp"
#include "actors/manager/raft/raft_log_db.hpp"
#include "actors/node/data_check.hpp"
#include "tests/unit/actors/sqlite_exec.hpp"

namespace troupe {
namespace {

namespace fs = std::filesystem;

class data_check : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/troupe-data-check.XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::string err;
    ASSERT_TRUE(raft::raft_log_db::open(dir_ + "/raft.db", &err)) << err;
    ASSERT_TRUE(state_db::open(dir_ + "/state.db", &err)) << err;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void sql(const std::string& file, const std::string& statement) {
    test::sqlite_exec(dir_ + "/" + file, statement);
  }
  void entries(int from, int to) {
    std::string s = "BEGIN;";
    for (int i = from; i <= to; ++i)
      s += "INSERT INTO raft_entries VALUES(" + std::to_string(i) + ", 1, 0, randomblob(600));";
    sql("raft.db", s + "COMMIT;");
  }

  std::string dir_;
};

TEST_F(data_check, sound_files_and_a_new_node_pass) {
  EXPECT_EQ(check_manager_data(dir_), "");
  entries(1, 20);
  sql("raft.db", "INSERT INTO raft_state VALUES(0, 2, 'n1', 20);");
  sql("state.db", "INSERT OR REPLACE INTO meta VALUES('applied_index', 20);");
  EXPECT_EQ(check_manager_data(dir_), "");
  EXPECT_EQ(check_manager_data(dir_ + "/nothing-here"), "");
}

TEST_F(data_check, a_commit_index_beyond_the_log_names_file_and_index) {
  entries(1, 5);
  sql("raft.db", "INSERT INTO raft_state VALUES(0, 2, 'n1', 9);");
  EXPECT_EQ(check_manager_data(dir_),
            dir_ + "/raft.db is damaged: its commit index 9 is beyond its last entry, index 5");
}

TEST_F(data_check, a_gap_in_the_log_and_a_state_ahead_of_the_log_are_found) {
  entries(1, 5);
  entries(8, 9);
  EXPECT_EQ(check_manager_data(dir_),
            dir_ + "/raft.db is damaged: its log from index 1 to 9 misses 2 entries");
  sql("raft.db", "DELETE FROM raft_entries WHERE idx > 5;");
  sql("state.db", "INSERT OR REPLACE INTO meta VALUES('applied_index', 7);");
  EXPECT_EQ(check_manager_data(dir_),
            dir_ + "/state.db has applied index 7 but " + dir_
                + "/raft.db ends at index 5 (the two files are not from the same node or time)");
}

TEST_F(data_check, a_corrupted_copy_is_reported_as_damaged) {
  entries(1, 200);
  sql("raft.db", "PRAGMA wal_checkpoint(TRUNCATE);");
  auto copy = dir_ + "/copy";
  fs::create_directories(copy);
  fs::copy_file(dir_ + "/raft.db", copy + "/raft.db");
  {
    std::fstream f(copy + "/raft.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3 * 4096);
    std::string garbage(8192, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto why = check_manager_data(copy);
  EXPECT_EQ(why.rfind(copy + "/raft.db is damaged: ", 0), 0u) << why;
  EXPECT_EQ(check_manager_data(dir_), "") << "the original is untouched";
  {
    std::fstream f(copy + "/raft.db", std::ios::in | std::ios::out | std::ios::binary);
    f.write("not sqlite at all", 16);
  }
  why = check_manager_data(copy);
  EXPECT_EQ(why.rfind(copy + "/raft.db is damaged: ", 0), 0u) << why;
}

} // namespace
} // namespace troupe
