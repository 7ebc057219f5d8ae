// Snapshots (compaction, InstallSnapshot), leadership transfer, read index.
#include "tests/unit/raft/raft_harness.hpp"

namespace troupe::raft::test {
namespace {

TEST(raft_snapshot, a_follower_behind_the_log_start_gets_the_snapshot) {
  harness h(three);
  h.campaign("a");
  h.isolate("c");
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(h["a"].propose(std::to_string(i)).ok());
  h.deliver();
  uint64_t applied = h["a"].get_status().applied_index;
  ASSERT_TRUE(h["a"].compact(applied, "state-0..9").ok());
  h.deliver();
  EXPECT_EQ(h.stores["a"]->snapshot().index(), applied);
  EXPECT_EQ(h["a"].log().first_index(), applied + 1);
  ASSERT_TRUE(h["a"].propose("after").ok());
  h.deliver();
  h.heal();
  h.tick("a");
  ASSERT_EQ(h.restored.count("c"), 1u);
  EXPECT_EQ(h.restored["c"].index(), applied);
  EXPECT_EQ(h.restored["c"].data(), "state-0..9");
  EXPECT_EQ(h.stores["c"]->snapshot().index(), applied);
  EXPECT_EQ(h.applied["c"], std::vector<std::string>{"after"});
  EXPECT_EQ(h["c"].get_status().commit_index, h["a"].get_status().commit_index);
}

TEST(raft_snapshot, compact_refuses_an_index_not_yet_applied) {
  harness h({"a"});
  h.campaign("a");
  auto s = h["a"].get_status();
  EXPECT_EQ(h["a"].compact(s.applied_index + 5, "x").error,
            error_code::bad_argument);
  EXPECT_TRUE(h["a"].compact(s.applied_index, "x").ok());
}

TEST(raft_transfer, leadership_moves_to_the_named_member) {
  harness h(three);
  h.campaign("a");
  h.isolate("c");
  ASSERT_TRUE(h["a"].propose("x").ok());
  h.deliver();
  h.heal();
  h.queue.clear();
  // c lags: it is caught up first, then told to campaign at once.
  ASSERT_TRUE(h["a"].transfer_leadership("c").ok());
  EXPECT_EQ(h["a"].propose("y").error, error_code::transferring);
  h.deliver();
  EXPECT_EQ(h["c"].state(), role::leader);
  EXPECT_EQ(h["c"].term(), 2u);
  EXPECT_EQ(h["a"].state(), role::follower);
  EXPECT_EQ(h["a"].leader(), "c");
  EXPECT_EQ(h.applied["c"], std::vector<std::string>{"x"});
}

TEST(raft_transfer, an_unreachable_target_aborts_after_an_election_timeout) {
  harness h(three);
  h.campaign("a");
  h.isolate("c");
  EXPECT_EQ(h["a"].transfer_leadership("zed").error, error_code::bad_argument);
  EXPECT_EQ(h["b"].transfer_leadership("c").error, error_code::not_leader);
  ASSERT_TRUE(h["a"].transfer_leadership("c").ok());
  EXPECT_EQ(h["a"].propose("y").error, error_code::transferring);
  h.tick("a", h.base.election_ticks);
  EXPECT_EQ(h["a"].state(), role::leader);
  EXPECT_TRUE(h["a"].propose("y").ok());
}

TEST(raft_read_index, leader_answers_after_a_heartbeat_quorum) {
  harness h(three);
  h.campaign("a");
  ASSERT_TRUE(h["a"].propose("x").ok());
  h.deliver();
  uint64_t commit = h["a"].get_status().commit_index;
  h.isolate("a");
  ASSERT_TRUE(h["a"].read_index("r1").ok());
  h.deliver();
  EXPECT_TRUE(h.reads["a"].empty()); // no quorum: no answer
  h.heal();
  ASSERT_TRUE(h["a"].read_index("r2").ok());
  h.deliver();
  ASSERT_EQ(h.reads["a"].size(), 2u); // r2's round confirms r1 as well
  EXPECT_EQ(h.reads["a"][0].ctx, "r1");
  EXPECT_EQ(h.reads["a"][1].ctx, "r2");
  EXPECT_EQ(h.reads["a"][1].index, commit);
}

TEST(raft_read_index, a_follower_forwards_to_the_leader) {
  harness h(three);
  EXPECT_EQ(h["b"].read_index("r").error, error_code::no_leader);
  h.campaign("a");
  ASSERT_TRUE(h["a"].propose("x").ok());
  h.deliver();
  ASSERT_TRUE(h["b"].read_index("r").ok());
  h.deliver();
  ASSERT_EQ(h.reads["b"].size(), 1u);
  EXPECT_EQ(h.reads["b"][0].ctx, "r");
  EXPECT_EQ(h.reads["b"][0].index, h["a"].get_status().commit_index);
}

TEST(raft_restart, members_rebuilt_from_storage_continue_the_log) {
  harness h(three);
  h.campaign("a");
  for (auto x : {"1", "2"})
    ASSERT_TRUE(h["a"].propose(x).ok());
  h.deliver();
  ASSERT_TRUE(h["b"].compact(h["b"].get_status().applied_index, "snap").ok());
  h.deliver();
  auto before = h["a"].get_status();
  for (auto id : three) {
    h.crash(id);
    h.start(id);
  }
  for (auto id : three) {
    EXPECT_EQ(h[id].term(), before.term) << id;
    EXPECT_EQ(h[id].log().last_index(), before.last_index) << id;
  }
  h.deliver(); // committed entries after each snapshot are handed out again
  EXPECT_EQ(h.applied["a"], (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(h.applied["b"].empty()); // b resumes from its snapshot
  h.tick_all(4 * h.base.election_ticks);
  std::string l = h.leader();
  ASSERT_FALSE(l.empty());
  EXPECT_GT(h[l].term(), before.term);
  ASSERT_TRUE(h[l].propose("3").ok());
  h.deliver();
  EXPECT_EQ(h.applied["a"], (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(h.applied["b"], std::vector<std::string>{"3"});
}

} // namespace
} // namespace troupe::raft::test
