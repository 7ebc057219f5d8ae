// Batching in the Raft core: proposals of one driver turn share one save and
// one append per follower, a leader pipelines appends up to its in-flight
// window, counts its own log only once persisted(), and reads of one turn
// share one heartbeat round.
#include "tests/unit/raft/raft_harness.hpp"

namespace troupe::raft::test {
namespace {

size_t count(const std::vector<pb::RaftMessage>& ms, int type,
             const std::string& to) {
  size_t n = 0;
  for (const auto& m : ms)
    n += m.type() == type && m.to() == to ? 1 : 0;
  return n;
}

// Finishes a batch taken by hand, as the harness would.
void finish(harness& h, const std::string& id, ready& rd) {
  for (auto& m : rd.leader_messages)
    h.queue.push_back(std::move(m));
  ASSERT_TRUE(h.stores[id]->save(rd, nullptr));
  h[id].persisted(rd.stable_index, rd.stable_term);
  for (auto& m : rd.messages)
    h.queue.push_back(std::move(m));
}

TEST(raft_batching, proposals_of_one_turn_share_one_save_and_one_append) {
  harness h(three);
  h.campaign("a");
  std::map<std::string, size_t> appends;
  h.observe = [&](const pb::RaftMessage& m) {
    if (m.type() == pb::RAFT_APPEND && m.entries_size() > 0)
      ++appends[m.to()];
  };
  auto before = h.readies;
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(h["a"].propose("w" + std::to_string(i)).ok());
  ASSERT_TRUE(h["a"].has_ready());
  ready rd = h["a"].take_ready();
  EXPECT_EQ(rd.entries.size(), 20u); // one save for the whole burst
  EXPECT_EQ(count(rd.leader_messages, pb::RAFT_APPEND, "b"), 1u);
  EXPECT_EQ(count(rd.leader_messages, pb::RAFT_APPEND, "c"), 1u);
  finish(h, "a", rd);
  h.deliver();
  EXPECT_EQ(appends["b"], 1u);
  EXPECT_EQ(appends["c"], 1u);
  EXPECT_EQ(h.applied["b"].size(), 20u);
  EXPECT_EQ(h.applied["a"].size(), 20u);
  // Each follower saved the 20 entries in one batch: one ready for the
  // append, one more to apply once the commit index arrived.
  EXPECT_LE(h.readies["b"] - before["b"], 2u);
}

TEST(raft_batching, a_leader_pipelines_appends_up_to_its_window) {
  config c;
  c.max_entries_per_msg = 2;
  c.max_inflight = 3;
  harness h(three, c);
  h.campaign("a");
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(h["a"].propose("w" + std::to_string(i)).ok());
  ready rd = h["a"].take_ready();
  // Three appends of two entries to each follower without waiting for an
  // answer; then the window is full.
  EXPECT_EQ(count(rd.leader_messages, pb::RAFT_APPEND, "b"), 3u);
  EXPECT_EQ(count(rd.leader_messages, pb::RAFT_APPEND, "c"), 3u);
  for (const auto& m : rd.leader_messages)
    EXPECT_EQ(m.entries_size(), 2);
  finish(h, "a", rd);
  h.deliver(); // the answers open the window: the rest follows
  EXPECT_EQ(h.applied["b"].size(), 10u);
  EXPECT_EQ(h.applied["c"].size(), 10u);
  EXPECT_EQ(h.applied["a"].size(), 10u);
}

TEST(raft_batching, a_leader_counts_itself_only_once_its_log_is_durable) {
  harness h(three);
  h.campaign("a");
  h.isolate("c");
  auto r = h["a"].propose("x");
  ASSERT_TRUE(r.ok());
  ready rd = h["a"].take_ready();
  ASSERT_EQ(count(rd.leader_messages, pb::RAFT_APPEND, "b"), 1u);
  for (auto& m : rd.leader_messages)
    if (m.to() == "b")
      h.queue.push_back(m); // sent before a's own save, as the actor does
  h.deliver();              // b saved and acknowledged
  EXPECT_LT(h["a"].get_status().commit_index, r.index)
    << "b alone is no majority while a's copy is not durable";
  ASSERT_TRUE(h.stores["a"]->save(rd, nullptr));
  h["a"].persisted(rd.stable_index, rd.stable_term);
  EXPECT_EQ(h["a"].get_status().commit_index, r.index);
  h.deliver();
  EXPECT_EQ(h.applied["a"], std::vector<std::string>{"x"});
}

TEST(raft_batching, a_stale_persisted_report_is_ignored) {
  harness h({"a"});
  h.tick("a", 2 * h.base.election_ticks);
  ASSERT_EQ(h.leader(), "a");
  auto r = h["a"].propose("x");
  ready rd = h["a"].take_ready();
  ASSERT_TRUE(h.stores["a"]->save(rd, nullptr));
  h["a"].persisted(rd.stable_index, rd.stable_term + 1); // another entry's term
  EXPECT_LT(h["a"].get_status().commit_index, r.index);
  h["a"].persisted(rd.stable_index, rd.stable_term);
  EXPECT_EQ(h["a"].get_status().commit_index, r.index);
}

// a leads with an entry of its term committed (reads may start); counts
// the heartbeats sent from then on.
void lead_and_count_heartbeats(harness& h, size_t& heartbeats) {
  h.campaign("a");
  ASSERT_TRUE(h["a"].propose("x").ok());
  h.deliver();
  h.observe = [&heartbeats](const pb::RaftMessage& m) {
    heartbeats += m.type() == pb::RAFT_HEARTBEAT ? 1 : 0;
  };
}

TEST(raft_batching, reads_of_one_turn_share_one_heartbeat_round) {
  harness h(three);
  size_t heartbeats = 0;
  lead_and_count_heartbeats(h, heartbeats);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(h["a"].read_index("r" + std::to_string(i)).ok());
  h.deliver();
  EXPECT_EQ(heartbeats, 2u); // one per follower for all ten reads
  ASSERT_EQ(h.reads["a"].size(), 10u);
  for (const auto& r : h.reads["a"])
    EXPECT_EQ(r.index, h["a"].get_status().commit_index);
}

TEST(raft_batching, follower_reads_of_one_turn_share_the_leaders_round) {
  harness h(three);
  size_t heartbeats = 0;
  lead_and_count_heartbeats(h, heartbeats);
  size_t forwarded = 0;
  auto count = h.observe;
  h.observe = [&](const pb::RaftMessage& m) {
    count(m);
    forwarded += m.type() == pb::RAFT_READ_INDEX ? 1 : 0;
  };
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(h["b"].read_index("r" + std::to_string(i)).ok());
  h.deliver();
  EXPECT_EQ(forwarded, 1u);  // one request to the leader for all five
  EXPECT_EQ(heartbeats, 2u); // and one heartbeat round there
  EXPECT_EQ(h.reads["b"].size(), 5u);
}

} // namespace
} // namespace troupe::raft::test
