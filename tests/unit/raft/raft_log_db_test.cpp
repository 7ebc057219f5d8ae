// raft_log_db: what a save() leaves on disk is what a reopen (a restarted
// manager) reads back, and a bad batch changes nothing.
#include <filesystem>

#include <gtest/gtest.h>

#include "actors/manager/raft/raft.hpp"
#include "actors/manager/raft/raft_log_db.hpp"

namespace troupe::raft {
namespace {

namespace fs = std::filesystem;

struct raft_log_db_test : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path()
          / ("troupe_raft_db_" + std::to_string(::getpid()) + "_"
             + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = (dir / "raft.db").string();
  }
  void TearDown() override { fs::remove_all(dir); }
  std::unique_ptr<raft_log_db> open() {
    std::string err;
    auto db = raft_log_db::open(path, &err);
    EXPECT_TRUE(db) << err;
    return db;
  }
  static pb::RaftEntry entry(uint64_t i, uint64_t t, std::string data = "d") {
    pb::RaftEntry e;
    e.set_index(i);
    e.set_term(t);
    e.set_data(std::move(data));
    return e;
  }
  fs::path dir;
  std::string path;
};

TEST_F(raft_log_db_test, a_reopened_database_has_what_was_saved) {
  {
    auto db = open();
    ready rd;
    for (uint64_t i = 1; i <= 5; ++i)
      rd.entries.push_back(entry(i, 1, std::string("x\0y", 3)));
    pb::RaftHardState hs;
    hs.set_term(2);
    hs.set_vote("b");
    hs.set_commit(4);
    rd.hard_state = hs;
    ASSERT_TRUE(db->save(rd, nullptr));
    ready conflict; // a new leader replaces 4 and 5
    conflict.entries = {entry(4, 2, "new")};
    ASSERT_TRUE(db->save(conflict, nullptr));
  }
  auto db = open();
  EXPECT_EQ(db->hard_state().term(), 2u);
  EXPECT_EQ(db->hard_state().vote(), "b");
  EXPECT_EQ(db->hard_state().commit(), 4u);
  EXPECT_EQ(db->first_index(), 1u);
  EXPECT_EQ(db->last_index(), 4u);
  std::vector<pb::RaftEntry> got;
  ASSERT_TRUE(db->entries(1, 5, &got, nullptr));
  EXPECT_EQ(got[0].data(), std::string("x\0y", 3));
  EXPECT_EQ(got[3].data(), "new");
  EXPECT_EQ(db->term(4), 2u);
}

TEST_F(raft_log_db_test, compaction_and_snapshot_install_drop_entries) {
  {
    auto db = open();
    ready rd;
    for (uint64_t i = 1; i <= 6; ++i)
      rd.entries.push_back(entry(i, 1));
    ASSERT_TRUE(db->save(rd, nullptr));
    ready c;
    pb::RaftSnapshot s;
    s.set_index(3);
    s.set_term(1);
    s.set_data("state@3");
    c.compacted = s;
    ASSERT_TRUE(db->save(c, nullptr));
  }
  {
    auto db = open();
    EXPECT_EQ(db->snapshot().data(), "state@3");
    EXPECT_EQ(db->first_index(), 4u);
    EXPECT_EQ(db->last_index(), 6u);
    ready inst; // a leader's snapshot replaces the whole log
    pb::RaftSnapshot s;
    s.set_index(9);
    s.set_term(3);
    s.set_data("state@9");
    inst.snapshot = s;
    inst.entries = {entry(10, 3)};
    ASSERT_TRUE(db->save(inst, nullptr));
  }
  auto db = open();
  EXPECT_EQ(db->snapshot().index(), 9u);
  EXPECT_EQ(db->first_index(), 10u);
  EXPECT_EQ(db->last_index(), 10u);
  EXPECT_EQ(db->term(9), 3u);
}

TEST_F(raft_log_db_test, a_batch_with_a_gap_is_refused_and_changes_nothing) {
  auto db = open();
  ready rd;
  rd.entries = {entry(1, 1)};
  ASSERT_TRUE(db->save(rd, nullptr));
  ready gap;
  gap.entries = {entry(5, 1)};
  gap.hard_state = pb::RaftHardState();
  gap.hard_state->set_term(7);
  std::string err;
  EXPECT_FALSE(db->save(gap, &err));
  EXPECT_FALSE(err.empty());
  db.reset();
  db = open();
  EXPECT_EQ(db->last_index(), 1u);
  EXPECT_EQ(db->hard_state().term(), 0u);
}

TEST_F(raft_log_db_test, an_unopenable_path_is_an_error_value) {
  std::string err;
  EXPECT_FALSE(raft_log_db::open((dir / "no" / "such" / "raft.db").string(), &err));
  EXPECT_NE(err.find("raft log database"), std::string::npos) << err;
}

// A single-member cluster on SQLite: stop it, reopen, and it continues.
TEST_F(raft_log_db_test, a_member_restarts_from_the_database) {
  config c;
  c.id = "a";
  c.voters = {"a"};
  std::vector<std::string> applied;
  auto drive = [&](raft_node& n, raft_log_db& db) {
    while (n.has_ready()) {
      ready rd = n.take_ready();
      ASSERT_TRUE(db.save(rd, nullptr));
      n.persisted(rd.stable_index, rd.stable_term);
      for (const auto& e : rd.committed)
        if (e.type() == entry_normal)
          applied.push_back(e.data());
    }
  };
  uint64_t term = 0;
  {
    auto db = open();
    auto n = raft_node::create(c, *db, nullptr);
    for (int i = 0; i < 2 * c.election_ticks; ++i)
      n->tick();
    ASSERT_EQ(n->state(), role::leader);
    ASSERT_TRUE(n->propose("one").ok());
    drive(*n, *db);
    ASSERT_TRUE(n->compact(n->get_status().applied_index, "snap:one").ok());
    ASSERT_TRUE(n->propose("two").ok());
    drive(*n, *db);
    term = n->term();
  }
  applied.clear();
  auto db = open();
  EXPECT_EQ(db->snapshot().data(), "snap:one");
  auto n = raft_node::create(c, *db, nullptr);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->term(), term);
  drive(*n, *db);
  EXPECT_EQ(applied, std::vector<std::string>{"two"}); // after the snapshot
  for (int i = 0; i < 2 * c.election_ticks; ++i)
    n->tick();
  ASSERT_TRUE(n->propose("three").ok());
  drive(*n, *db);
  EXPECT_EQ(applied, (std::vector<std::string>{"two", "three"}));
  EXPECT_GT(n->term(), term);
}

} // namespace
} // namespace troupe::raft
