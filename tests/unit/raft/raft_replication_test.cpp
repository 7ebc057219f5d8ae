// Replication: majority commit, conflict repair, the current-term commit
// rule (Figure 8), fast back-off, batching.
#include "tests/unit/raft/raft_harness.hpp"

namespace troupe::raft::test {
namespace {

TEST(raft_replication, commits_on_a_majority_and_every_member_applies_it) {
  harness h(three);
  h.campaign("a");
  h.isolate("c");
  for (auto x : {"1", "2", "3"})
    ASSERT_TRUE(h["a"].propose(x).ok());
  h.deliver();
  std::vector<std::string> want{"1", "2", "3"};
  EXPECT_EQ(h.applied["a"], want);
  EXPECT_EQ(h.applied["b"], want);
  EXPECT_TRUE(h.applied["c"].empty());
  h.heal();
  h.tick("a");
  EXPECT_EQ(h.applied["c"], want);
}

TEST(raft_replication, no_commit_without_a_majority) {
  harness h(three);
  h.campaign("a");
  h.isolate("a");
  auto r = h["a"].propose("lost");
  ASSERT_TRUE(r.ok());
  h.tick("a", 3);
  EXPECT_LT(h["a"].get_status().commit_index, r.index);
  EXPECT_TRUE(h.applied["a"].empty());
}

// An old leader's uncommitted entries are replaced by the new leader's log.
TEST(raft_replication, conflicting_entries_are_repaired) {
  harness h(three);
  h.campaign("a");
  ASSERT_TRUE(h["a"].propose("kept").ok());
  h.deliver();
  h.isolate("a");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(h["a"].propose("orphan").ok());
  h.deliver();
  h.tick_all(4 * h.base.election_ticks); // b or c takes over
  std::string l = h.leader();
  ASSERT_TRUE(l == "b" || l == "c") << l;
  ASSERT_TRUE(h[l].propose("new").ok());
  h.deliver();
  h.heal();
  h.tick_all(3);
  std::vector<std::string> want{"kept", "new"};
  for (auto id : {"a", "b", "c"})
    EXPECT_EQ(h.applied[id], want) << id;
  EXPECT_EQ(h["a"].log().last_index(), h[l].log().last_index());
  EXPECT_EQ(h["a"].log().last_term(), h[l].log().last_term());
}

// Figure 8 of the Raft paper: a leader must not count replicas of an entry
// from an earlier term as a commit; only an entry of its own term commits.
TEST(raft_replication, commits_only_entries_of_the_current_term) {
  // a holds (2, term 2) that b and c lack; a wins term 4.
  harness h(three);
  for (auto id : three) {
    ready rd;
    pb::RaftEntry e;
    e.set_index(1);
    e.set_term(1);
    rd.entries.push_back(e);
    if (std::string(id) == "a") {
      e.set_index(2);
      e.set_term(2);
      rd.entries.push_back(e);
    }
    pb::RaftHardState hs;
    hs.set_term(3);
    hs.set_commit(1);
    rd.hard_state = hs;
    ASSERT_TRUE(h.stores[id]->save(rd, nullptr));
    h.start(id);
  }
  h.drop_types = {pb::RAFT_APPEND, pb::RAFT_HEARTBEAT};
  h.campaign("a");
  ASSERT_EQ(h["a"].state(), role::leader);
  ASSERT_EQ(h["a"].term(), 4u);
  ASSERT_EQ(h["a"].log().last_index(), 3u); // the term-4 no-op
  pb::RaftMessage ack; // b acknowledges the old-term entry only
  ack.set_type(pb::RAFT_APPEND_RESP);
  ack.set_from("b");
  ack.set_to("a");
  ack.set_term(4);
  ack.set_index(2);
  ASSERT_TRUE(h["a"].step(ack));
  EXPECT_EQ(h["a"].get_status().commit_index, 1u); // a majority, yet not committed
  ack.set_index(3);
  ASSERT_TRUE(h["a"].step(ack));
  EXPECT_EQ(h["a"].get_status().commit_index, 3u); // term-4 entry: commits both
}

TEST(raft_replication, a_far_behind_follower_catches_up_in_batches) {
  config c;
  c.max_entries_per_msg = 4;
  harness h(three, c);
  h.campaign("a");
  h.isolate("c");
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(h["a"].propose(std::to_string(i)).ok());
  h.deliver();
  size_t sent = 0, largest = 0;
  h.heal();
  h.observe = [&](const pb::RaftMessage& m) {
    if (m.type() == pb::RAFT_APPEND && m.to() == "c") {
      ++sent;
      largest = std::max<size_t>(largest, m.entries_size());
    }
  };
  h.tick("a");
  EXPECT_EQ(h.applied["c"].size(), 50u);
  EXPECT_LE(largest, 4u);
  EXPECT_GE(sent, 50u / 4);
}

// Big entries do not travel together: an append holds at most
// max_bytes_per_msg of entry data, and an entry larger than that goes alone.
TEST(raft_replication, appends_are_bounded_in_bytes) {
  config c;
  c.max_bytes_per_msg = 10 * 1000;
  harness h(three, c);
  h.campaign("a");
  h.isolate("c");
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(h["a"].propose(std::string(3000, 'a' + i)).ok());
  ASSERT_TRUE(h["a"].propose(std::string(25 * 1000, 'z')).ok());
  h.deliver();
  size_t largest = 0, alone = 0;
  h.heal();
  h.observe = [&](const pb::RaftMessage& m) {
    if (m.type() != pb::RAFT_APPEND || m.to() != "c")
      return;
    size_t bytes = 0;
    for (const auto& e : m.entries())
      bytes += e.data().size();
    if (m.entries_size() == 1 && bytes > c.max_bytes_per_msg)
      ++alone;
    else
      largest = std::max(largest, bytes);
  };
  h.tick("a");
  ASSERT_EQ(h.applied["c"].size(), 21u);
  EXPECT_EQ(h.applied["c"].back(), std::string(25 * 1000, 'z'));
  EXPECT_LE(largest, c.max_bytes_per_msg);
  EXPECT_GT(largest, 0u);
  EXPECT_EQ(alone, 1u);
}

// A follower with a long divergent tail tells the leader where its term
// starts, so the leader does not back off one entry per round trip.
TEST(raft_replication, reject_hint_skips_a_whole_conflicting_term) {
  harness h(three);
  h.campaign("a");
  h.isolate("a");
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(h["a"].propose("orphan").ok());
  h.deliver();
  h.tick_all(4 * h.base.election_ticks);
  std::string l = h.leader();
  ASSERT_NE(l, "a");
  for (int i = 0; i < 25; ++i)
    ASSERT_TRUE(h[l].propose("new").ok());
  h.deliver();
  h.heal();
  size_t rejects = 0;
  h.observe = [&](const pb::RaftMessage& m) {
    rejects += m.type() == pb::RAFT_APPEND_RESP && m.reject() && m.from() == "a";
  };
  h.tick(l);
  EXPECT_EQ(h.applied["a"].size(), 25u);
  EXPECT_LE(rejects, 3u);
}

} // namespace
} // namespace troupe::raft::test

namespace troupe::raft::test {

// A follower whose log was lost (a wiped data dir) says so in its heartbeat
// response, and the leader replicates everything to it again.
TEST(raft_replication, a_follower_that_lost_its_log_is_brought_up_to_date) {
  harness h(three);
  h.campaign("a");
  for (auto x : {"1", "2", "3"})
    ASSERT_TRUE(h["a"].propose(x).ok());
  h.deliver();
  std::vector<std::string> want{"1", "2", "3"};
  ASSERT_EQ(h.applied["c"], want);
  h.crash("c");
  h.stores["c"] = std::make_unique<memory_storage>();
  h.start("c");
  h.tick("a"); // heartbeat: c rejects, a replicates from c's (empty) end
  h.deliver();
  h.tick("a");
  h.deliver();
  EXPECT_EQ(h.applied["c"], want);
  EXPECT_EQ(h["c"].log().last_index(), h["a"].log().last_index());
}

} // namespace troupe::raft::test
