// `troupe agent --recover` on damaged copies of a manager's data: a gap, a
// commit index beyond the log, a corrupted page, a damaged state.db. What is
// kept is the sound prefix of the log; the damaged files are moved aside;
// the result passes the start-up check and opens as a Raft log.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "actors/manager/core/state_db.hpp"
#include "actors/manager/raft/raft_log_db.hpp"
#include "actors/node/data_check.hpp"
#include "actors/node/data_recover.hpp"
#include "tests/unit/actors/sqlite_exec.hpp"

namespace troupe {
namespace {

namespace fs = std::filesystem;

constexpr const char* stamp = "20261202T001500Z";

TEST(sound_prefix, stops_at_a_gap_an_unreadable_row_or_a_term_going_back) {
  std::string why;
  EXPECT_EQ(sound_prefix(0, 0, {{1, 1}, {2, 1}, {3, 2}}, &why), 3u);
  EXPECT_EQ(why, "");
  EXPECT_EQ(sound_prefix(0, 0, {{1, 1}, {2, 1}, {5, 2}}, &why), 2u);
  EXPECT_EQ(why, "index 3 is missing (the next entry is 5)");
  EXPECT_EQ(sound_prefix(0, 0, {{1, 1}, {2, 1, false}, {3, 1}}, &why), 1u);
  EXPECT_EQ(why, "entry 2 cannot be read");
  EXPECT_EQ(sound_prefix(0, 0, {{1, 3}, {2, 2}}, &why), 1u);
  EXPECT_EQ(why, "entry 2 has term 2, lower than the entry before it (3)");
  // after a snapshot at 10 (term 4) the log must go on at 11
  EXPECT_EQ(sound_prefix(10, 4, {{11, 4}, {12, 5}}, &why), 2u);
  EXPECT_EQ(sound_prefix(10, 4, {{12, 4}}, &why), 0u);
  EXPECT_EQ(why, "index 11 is missing (the next entry is 12)");
  EXPECT_EQ(sound_prefix(10, 4, {{11, 3}}, &why), 0u);
}

class data_recover : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/troupe-data-recover.XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// A log of entries 1..n (term 2 from index 3 on; each a troupe entry
  /// with ~payload bytes), vote "n1", commit `commit`; state.db at `applied`.
  void write_log(int n, uint64_t commit, uint64_t applied, size_t payload = 100) {
    std::string err;
    auto log = raft::raft_log_db::open(dir_ + "/raft.db", &err);
    ASSERT_TRUE(log) << err;
    raft::ready rd;
    for (int i = 1; i <= n; ++i) {
      pb::Entry app;
      app.set_index(static_cast<uint64_t>(i));
      app.add_changes()->set_remove_stack("s" + std::to_string(i) + std::string(payload, 'x'));
      pb::RaftEntry e;
      e.set_index(static_cast<uint64_t>(i));
      e.set_term(i < 3 ? 1 : 2);
      e.set_data(app.SerializeAsString());
      rd.entries.push_back(e);
    }
    pb::RaftHardState hs;
    hs.set_term(2);
    hs.set_vote("n1");
    hs.set_commit(commit);
    rd.hard_state = hs;
    ASSERT_TRUE(log->save(rd, &err)) << err;
    auto db = state_db::open(dir_ + "/state.db", &err);
    ASSERT_TRUE(db) << err;
    sql("state.db", "INSERT OR REPLACE INTO meta VALUES('applied_index', "
                        + std::to_string(applied) + ");");
  }

  void sql(const std::string& file, const std::string& statement) {
    test::sqlite_exec(dir_ + "/" + file, statement);
  }

  /// The recovered raft.db as the node opens it.
  std::unique_ptr<raft::raft_log_db> reopen() {
    std::string err;
    auto log = raft::raft_log_db::open(dir_ + "/raft.db", &err);
    EXPECT_TRUE(log) << err;
    return log;
  }

  static std::string lines(const recovery& r) {
    std::string out;
    for (const auto& l : r.done)
      out += l + "\n";
    return out;
  }

  std::string dir_;
};

TEST_F(data_recover, sound_files_are_left_alone) {
  write_log(5, 5, 5);
  auto r = recover_manager_data(dir_, stamp);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.done.empty()) << lines(r);
  EXPECT_FALSE(fs::exists(dir_ + "/raft.db.damaged-" + std::string(stamp)));
  EXPECT_EQ(reopen()->last_index(), 5u);
}

TEST_F(data_recover, a_gap_keeps_the_log_before_it_and_drops_a_state_ahead_of_it) {
  write_log(9, 9, 9);
  sql("raft.db", "DELETE FROM raft_entries WHERE idx = 6;");
  ASSERT_NE(check_manager_data(dir_), "");
  auto r = recover_manager_data(dir_, stamp);
  ASSERT_EQ(r.error, "") << lines(r);
  EXPECT_EQ(lines(r),
            "moved the damaged raft.db aside to " + dir_ + "/raft.db.damaged-" + stamp
                + " (it is damaged: its log from index 1 to 9 misses 1 entries)\n"
                  "kept the Raft log up to index 5 (5 entries); dropped the rest: index 6 "
                  "is missing (the next entry is 7)\n"
                  "set the commit index from 9 to 5 (within the kept log)\n"
                  "moved state.db aside to " + dir_ + "/state.db.damaged-" + stamp
                + " (it has applied index 9, past the end of raft.db at index 5); the "
                  "node rebuilds it from the snapshot and the log\n");
  EXPECT_EQ(check_manager_data(dir_), "");
  EXPECT_TRUE(fs::exists(dir_ + "/raft.db.damaged-" + std::string(stamp)));
  EXPECT_TRUE(fs::exists(dir_ + "/state.db.damaged-" + std::string(stamp)));
  EXPECT_FALSE(fs::exists(dir_ + "/state.db"));
  auto log = reopen();
  EXPECT_EQ(log->first_index(), 1u);
  EXPECT_EQ(log->last_index(), 5u);
  EXPECT_EQ(log->hard_state().commit(), 5u);
  EXPECT_EQ(log->hard_state().term(), 2u);
  EXPECT_EQ(log->hard_state().vote(), "n1");
  std::vector<pb::RaftEntry> kept;
  std::string err;
  ASSERT_TRUE(log->entries(1, 6, &kept, &err)) << err;
  pb::Entry fifth;
  ASSERT_TRUE(fifth.ParseFromString(kept[4].data()));
  EXPECT_EQ(fifth.changes(0).remove_stack().substr(0, 2), "s5");
}

TEST_F(data_recover, a_commit_beyond_the_log_is_clamped_and_the_state_kept) {
  write_log(5, 9, 4);
  auto r = recover_manager_data(dir_, stamp);
  ASSERT_EQ(r.error, "") << lines(r);
  EXPECT_NE(lines(r).find("kept the whole Raft log, up to index 5 (5 entries)"),
            std::string::npos) << lines(r);
  EXPECT_NE(lines(r).find("set the commit index from 9 to 5"), std::string::npos) << lines(r);
  EXPECT_TRUE(fs::exists(dir_ + "/state.db"));
  EXPECT_EQ(lines(r).find("state.db"), std::string::npos) << lines(r);
  EXPECT_EQ(check_manager_data(dir_), "");
  EXPECT_EQ(reopen()->hard_state().commit(), 5u);
}

TEST_F(data_recover, a_corrupted_page_keeps_a_sound_prefix) {
  write_log(300, 300, 300, 2000);
  sql("raft.db", "PRAGMA wal_checkpoint(TRUNCATE);");
  {
    std::fstream f(dir_ + "/raft.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40 * 4096);
    std::string garbage(3 * 4096, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto before = check_manager_data(dir_);
  ASSERT_EQ(before.rfind(dir_ + "/raft.db is damaged: ", 0), 0u) << before;
  auto r = recover_manager_data(dir_, stamp);
  ASSERT_EQ(r.error, "") << lines(r);
  for (const auto& line : r.done)
    EXPECT_EQ(line.find('\n'), std::string::npos) << "one line per thing done: " << line;
  EXPECT_EQ(check_manager_data(dir_), "") << lines(r);
  auto log = reopen();
  EXPECT_EQ(log->first_index(), 1u);
  EXPECT_LT(log->last_index(), 300u) << lines(r);
  EXPECT_GT(log->last_index(), 0u) << lines(r);
  EXPECT_LE(log->hard_state().commit(), log->last_index());
  std::vector<pb::RaftEntry> kept;
  std::string err;
  ASSERT_TRUE(log->entries(1, log->last_index() + 1, &kept, &err)) << err;
  for (size_t i = 0; i < kept.size(); ++i) {
    pb::Entry app;
    ASSERT_TRUE(app.ParseFromString(kept[i].data())) << "entry " << i + 1;
    EXPECT_EQ(app.changes(0).remove_stack().substr(0, 1 + std::to_string(i + 1).size()),
              "s" + std::to_string(i + 1));
  }
  EXPECT_FALSE(fs::exists(dir_ + "/state.db")) << "state.db applied past the kept log";
}

TEST_F(data_recover, a_damaged_state_db_alone_is_moved_aside) {
  write_log(5, 5, 5);
  {
    std::ofstream f(dir_ + "/state.db", std::ios::trunc);
    f << "not a database at all, not even close to one";
  }
  ASSERT_NE(check_manager_data(dir_), "");
  auto r = recover_manager_data(dir_, stamp);
  ASSERT_EQ(r.error, "") << lines(r);
  ASSERT_EQ(r.done.size(), 1u) << lines(r);
  EXPECT_EQ(r.done[0].rfind("moved state.db aside to " + dir_ + "/state.db.damaged-", 0), 0u)
      << lines(r);
  EXPECT_EQ(check_manager_data(dir_), "");
  EXPECT_EQ(reopen()->last_index(), 5u);
}

TEST_F(data_recover, a_raft_db_that_is_not_a_database_starts_an_empty_log) {
  write_log(5, 5, 5);
  {
    std::ofstream f(dir_ + "/raft.db", std::ios::trunc);
    f << "this is not an SQLite file, whatever its name says";
  }
  fs::remove(dir_ + "/raft.db-wal");
  fs::remove(dir_ + "/raft.db-shm");
  auto r = recover_manager_data(dir_, stamp);
  ASSERT_EQ(r.error, "") << lines(r);
  EXPECT_NE(lines(r).find("kept the Raft log up to index 0 (0 entries); dropped the rest: "
                          "its entries cannot be read"), std::string::npos) << lines(r);
  EXPECT_NE(lines(r).find("moved state.db aside"), std::string::npos) << lines(r);
  EXPECT_EQ(check_manager_data(dir_), "");
  EXPECT_EQ(reopen()->last_index(), 0u);
}

TEST_F(data_recover, the_snapshot_is_kept_with_the_sound_entries_after_it) {
  std::string err;
  {
    auto log = raft::raft_log_db::open(dir_ + "/raft.db", &err);
    ASSERT_TRUE(log) << err;
    raft::ready rd;
    pb::RaftSnapshot snap;
    snap.set_index(10);
    snap.set_term(1);
    snap.add_voters("n1");
    pb::ClusterSnapshot state;
    state.set_index(10);
    snap.set_data(state.SerializeAsString());
    rd.snapshot = snap;
    for (int i = 11; i <= 20; ++i) {
      pb::RaftEntry e;
      e.set_index(static_cast<uint64_t>(i));
      e.set_term(1);
      e.set_type(1);  // a leader's no-op
      rd.entries.push_back(e);
    }
    pb::RaftHardState hs;
    hs.set_term(1);
    hs.set_commit(20);
    rd.hard_state = hs;
    ASSERT_TRUE(log->save(rd, &err)) << err;
  }
  sql("raft.db", "DELETE FROM raft_entries WHERE idx = 15;");
  auto r = recover_manager_data(dir_, stamp);
  ASSERT_EQ(r.error, "") << lines(r);
  EXPECT_NE(lines(r).find("kept the snapshot of raft.db at index 10"), std::string::npos)
      << lines(r);
  EXPECT_NE(lines(r).find("kept the Raft log up to index 14 (4 entries)"), std::string::npos)
      << lines(r);
  EXPECT_EQ(check_manager_data(dir_), "");
  auto log = reopen();
  EXPECT_EQ(log->snapshot().index(), 10u);
  EXPECT_EQ(log->snapshot().voters_size(), 1);
  EXPECT_EQ(log->first_index(), 11u);
  EXPECT_EQ(log->last_index(), 14u);
  EXPECT_EQ(log->hard_state().commit(), 14u);
}

} // namespace
} // namespace troupe
