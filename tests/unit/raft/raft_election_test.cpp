// Elections: single member, three members, randomized timeout, pre-vote,
// check-quorum, vote safety across restarts, malformed peer messages.
#include "tests/unit/raft/raft_harness.hpp"

namespace troupe::raft::test {
namespace {

TEST(raft_election, single_member_leads_and_commits_alone) {
  harness h({"a"});
  h.campaign("a");
  ASSERT_EQ(h["a"].state(), role::leader);
  auto r = h["a"].propose("x");
  ASSERT_TRUE(r.ok());
  h.deliver();
  EXPECT_EQ(h.applied["a"], std::vector<std::string>{"x"});
  EXPECT_EQ(h["a"].get_status().commit_index, r.index);
}

TEST(raft_election, three_members_elect_exactly_one_leader) {
  harness h(three);
  h.campaign("a");
  EXPECT_EQ(h["a"].state(), role::leader);
  EXPECT_EQ(h["a"].term(), 1u);
  for (auto id : {"b", "c"}) {
    EXPECT_EQ(h[id].state(), role::follower);
    EXPECT_EQ(h[id].leader(), "a");
    EXPECT_EQ(h[id].term(), 1u);
  }
  auto s = h["a"].get_status();
  ASSERT_EQ(s.peers.size(), 2u);
  for (const auto& p : s.peers)
    EXPECT_EQ(p.match_index, s.last_index) << p.id;
}

TEST(raft_election, timeout_is_drawn_from_election_ticks_to_twice_that) {
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    config c;
    c.seed = seed;
    harness h({"a", "b", "c"}, c);
    int ticks = 0;
    while (h["a"].state() == role::follower && ticks < 100) {
      h["a"].tick();
      ++ticks;
    }
    EXPECT_GE(ticks, c.election_ticks) << "seed " << seed;
    EXPECT_LT(ticks, 2 * c.election_ticks) << "seed " << seed;
    seen.insert(ticks);
  }
  EXPECT_GT(seen.size(), 3u); // randomized, not one fixed value
}

// A member cut off from the others rejoins: with pre-vote it cannot raise
// the term and depose a healthy leader; without it, it does.
TEST(raft_election, pre_vote_keeps_a_rejoining_member_from_disrupting) {
  struct row { bool pre_vote; bool term_kept; };
  for (auto [pre_vote, term_kept] : {row{true, true}, row{false, false}}) {
    config c;
    c.pre_vote = pre_vote;
    harness h(three, c);
    h.campaign("a");
    ASSERT_EQ(h.leader(), "a");
    h.isolate("c");
    h.tick("c", 5 * c.election_ticks);
    EXPECT_NE(h["c"].state(), role::leader);
    h.heal();
    h.tick("a", c.heartbeat_ticks); // heartbeats reach c again
    h.tick_all(3);
    EXPECT_EQ(h["a"].term() == 1u, term_kept) << "pre_vote=" << pre_vote;
    if (term_kept) {
      EXPECT_EQ(h["a"].state(), role::leader);
      EXPECT_EQ(h["c"].leader(), "a");
    }
  }
}

TEST(raft_election, check_quorum_makes_an_isolated_leader_step_down) {
  for (bool check : {true, false}) {
    config c;
    c.check_quorum = check;
    harness h(three, c);
    h.campaign("a");
    h.isolate("a");
    h.tick("a", 2 * c.election_ticks); // at most two check windows
    EXPECT_EQ(h["a"].state() == role::leader, !check) << "check=" << check;
    EXPECT_EQ(h["a"].get_status().peers.empty(), check);
  }
}

TEST(raft_election, a_member_with_a_stale_log_cannot_win) {
  harness h(three);
  h.campaign("a");
  h.isolate("b");
  ASSERT_TRUE(h["a"].propose("x").ok());
  h.deliver();
  h.crash("a");
  h.heal();
  h.tick_all(4 * h.base.election_ticks);
  EXPECT_EQ(h.leader(), "c");
  EXPECT_EQ(h.applied["b"], std::vector<std::string>{"x"});
}

TEST(raft_election, a_vote_survives_a_restart) {
  harness h(three);
  h.campaign("a"); // b voted for a in term 1
  h.crash("b");
  h.start("b");
  EXPECT_EQ(h["b"].term(), 1u);
  pb::RaftMessage m;
  m.set_type(pb::RAFT_VOTE);
  m.set_from("c");
  m.set_to("b");
  m.set_term(1);
  m.set_index(100);
  m.set_log_term(1);
  h.queue.clear();
  ASSERT_TRUE(h["b"].step(m));
  auto rd = h["b"].take_ready();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_TRUE(rd.messages[0].reject());
}

TEST(raft_election, malformed_peer_messages_are_ignored) {
  harness h(three);
  h.campaign("a");
  auto before = h["b"].get_status();
  auto msg = [](int type, const char* from, const char* to, uint64_t term) {
    pb::RaftMessage m;
    m.set_type(static_cast<pb::RaftMessageType>(type));
    m.set_from(from);
    m.set_to(to);
    m.set_term(term);
    m.set_index(50);
    return m;
  };
  struct row { pb::RaftMessage m; bool accepted; };
  std::vector<row> rows = {
    {msg(0, "a", "b", 9), false},                     // unknown type
    {msg(99, "a", "b", 9), false},                    // unknown type
    {msg(pb::RAFT_VOTE, "zed", "b", 9), false},       // not a member
    {msg(pb::RAFT_APPEND, "a", "c", 9), false},       // addressed elsewhere
    {msg(pb::RAFT_APPEND, "b", "b", 9), false},       // from itself
    {msg(pb::RAFT_HEARTBEAT, "a", "b", 0), false},    // no term
    {msg(pb::RAFT_APPEND_RESP, "c", "b", 1), true},   // not for a follower
  };
  for (auto& r : rows) {
    EXPECT_EQ(h["b"].step(r.m), r.accepted) << r.m.ShortDebugString();
    h.deliver();
  }
  auto after = h["b"].get_status();
  EXPECT_EQ(after.term, before.term);
  EXPECT_EQ(after.leader, "a");
  EXPECT_EQ(after.last_index, before.last_index);
}

TEST(raft_election, proposals_on_a_follower_name_the_leader) {
  harness h(three);
  auto r = h["b"].propose("x");
  EXPECT_EQ(r.error, error_code::no_leader);
  h.campaign("a");
  r = h["b"].propose("x");
  EXPECT_EQ(r.error, error_code::not_leader);
  EXPECT_EQ(r.leader_hint, "a");
}

} // namespace
} // namespace troupe::raft::test
