// raft_node: construction, tick/step dispatch, proposals, ready and status.
#include "actors/manager/raft/raft.hpp"

#include <algorithm>

namespace troupe::raft {

raft_node::raft_node(const config& cfg) : cfg_(cfg), rng_(cfg.seed) {}

std::unique_ptr<raft_node> raft_node::create(const config& cfg,
                                             const raft_storage& storage,
                                             std::string* error) {
  auto fail = [&](const char* what) {
    if (error)
      *error = what;
    return nullptr;
  };
  auto voters = cfg.voters;
  std::sort(voters.begin(), voters.end());
  if (std::adjacent_find(voters.begin(), voters.end()) != voters.end())
    return fail("raft voters must be distinct");
  if (!std::binary_search(voters.begin(), voters.end(), cfg.id))
    return fail("this manager is not among the raft voters");
  if (cfg.election_ticks < 1 || cfg.heartbeat_ticks < 1
      || cfg.heartbeat_ticks >= cfg.election_ticks || cfg.max_entries_per_msg < 1)
    return fail("raft ticks must satisfy 1 <= heartbeat < election");
  std::unique_ptr<raft_node> n(new raft_node(cfg));
  n->cfg_.voters = voters;
  auto snap = storage.snapshot();
  n->log_.restore(snap);
  std::vector<pb::RaftEntry> ents;
  if (!storage.entries(storage.first_index(), storage.last_index() + 1, &ents,
                       error))
    return nullptr;
  for (auto& e : ents)
    n->log_.append(e);
  n->log_.stabled = n->log_.durable = n->log_.last_index();
  auto hs = storage.hard_state();
  if (hs.commit() > n->log_.last_index())
    return fail("stored raft commit index is beyond the stored log");
  n->log_.committed = std::max(hs.commit(), snap.index());
  n->log_.applied = std::clamp(cfg.applied, snap.index(), n->log_.committed);
  n->term_ = hs.term();
  n->vote_ = hs.vote();
  n->saved_hs_ = n->hard_state();
  n->become_follower(n->term_, "");
  return n;
}

bool raft_node::is_voter(const std::string& id) const {
  return std::binary_search(cfg_.voters.begin(), cfg_.voters.end(), id);
}

void raft_node::send(pb::RaftMessage m) {
  m.set_from(cfg_.id);
  if (m.term() == 0)
    m.set_term(term_);
  // A leader's term and vote were durable before it could win (its vote
  // requests waited for them), so what it replicates may go out before its
  // own save: it counts its own log only once persisted() says so.
  // A heartbeat response says only "alive, in this term" (its index hint
  // is checked against acknowledged entries), so it need not wait either.
  bool replication = m.type() == pb::RAFT_APPEND
                     || m.type() == pb::RAFT_HEARTBEAT
                     || m.type() == pb::RAFT_SNAPSHOT;
  if ((role_ == role::leader && replication)
      || m.type() == pb::RAFT_HEARTBEAT_RESP)
    leader_msgs_.push_back(std::move(m));
  else
    msgs_.push_back(std::move(m));
}

void raft_node::flush() {
  if (role_ == role::leader) {
    if (bcast_pending_)
      bcast_append();
    if (read_round_pending_ && !reads_.empty())
      bcast_heartbeat(reads_.back().ctx); // one round for every queued read
  } else if (!reads_to_forward_.empty() && !lead_.empty()) {
    // One request for the turn's reads: the leader's answer to the last one
    // is at least the commit index of when each of them began.
    constexpr size_t max_forwarded = 1024; // answers lost with a leader
    if (forwarded_.size() >= max_forwarded)
      forwarded_.erase(forwarded_.begin());
    pb::RaftMessage m;
    m.set_type(pb::RAFT_READ_INDEX);
    m.set_to(lead_);
    m.set_context(reads_to_forward_.back());
    forwarded_[m.context()] = std::move(reads_to_forward_);
    send(std::move(m));
  }
  reads_to_forward_.clear();
  bcast_pending_ = read_round_pending_ = false;
}

void raft_node::persisted(uint64_t index, uint64_t term) {
  if (index <= log_.durable || index > log_.stabled || log_.term(index) != term)
    return;
  log_.durable = index;
  if (role_ == role::leader && maybe_commit())
    bcast_pending_ = true; // spread the new commit index
}

namespace {
bool same(const pb::RaftHardState& a, const pb::RaftHardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}
} // namespace

pb::RaftHardState raft_node::hard_state() const {
  pb::RaftHardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed);
  return hs;
}

void raft_node::tick() {
  if (role_ == role::leader)
    tick_heartbeat();
  else
    tick_election();
}

bool raft_node::step(const pb::RaftMessage& m) {
  if (m.type() <= pb::RAFT_UNKNOWN || m.type() > pb::RAFT_READ_INDEX_RESP
      || m.from() == cfg_.id || !is_voter(m.from()) || m.to() != cfg_.id
      || m.term() == 0)
    return false;
  if (!step_term(m))
    return true; // handled (or dropped) by the term rules
  switch (m.type()) {
    case pb::RAFT_VOTE:
    case pb::RAFT_PRE_VOTE:
      step_vote_request(m);
      return true;
    default:
      break;
  }
  if (role_ == role::leader)
    step_leader(m);
  else if (role_ == role::follower)
    step_follower(m);
  else if (m.type() == pb::RAFT_APPEND || m.type() == pb::RAFT_HEARTBEAT
           || m.type() == pb::RAFT_SNAPSHOT) {
    become_follower(term_, m.from()); // a leader of our term exists
    step_follower(m);
  } else {
    step_vote_response(m);
  }
  return true;
}

result raft_node::propose(std::string data) {
  result r;
  if (role_ != role::leader) {
    r.error = lead_.empty() ? error_code::no_leader : error_code::not_leader;
    r.leader_hint = lead_;
    return r;
  }
  if (!transferee_.empty()) {
    r.error = error_code::transferring;
    return r;
  }
  pb::RaftEntry e;
  e.set_term(term_);
  e.set_index(log_.last_index() + 1);
  e.set_type(entry_normal);
  e.set_data(std::move(data));
  log_.append(e);
  r.index = e.index();
  r.term = e.term();
  bcast_pending_ = true; // sent with everything else proposed this turn
  return r;
}

bool raft_node::has_ready() const {
  return install_ || compacted_ || !msgs_.empty() || !leader_msgs_.empty()
         || !read_states_.empty() || (bcast_pending_ && !prs_.empty())
         || (read_round_pending_ && !reads_.empty())
         || (!reads_to_forward_.empty() && !lead_.empty())
         || log_.stabled < log_.last_index() || log_.applied < log_.committed
         || !same(hard_state(), saved_hs_);
}

ready raft_node::take_ready() {
  flush();
  ready rd;
  rd.snapshot = std::move(install_);
  rd.compacted = std::move(compacted_);
  install_.reset();
  compacted_.reset();
  if (log_.stabled < log_.last_index())
    rd.entries = log_.slice(log_.stabled + 1, log_.last_index() + 1, SIZE_MAX);
  log_.stabled = log_.last_index();
  if (!rd.entries.empty()) {
    rd.stable_index = rd.entries.back().index();
    rd.stable_term = rd.entries.back().term();
  } else if (rd.snapshot) {
    rd.stable_index = rd.snapshot->index();
    rd.stable_term = rd.snapshot->term();
  }
  auto hs = hard_state();
  bool vote_changed = hs.term() != saved_hs_.term() || hs.vote() != saved_hs_.vote();
  if (!same(hs, saved_hs_))
    rd.hard_state = saved_hs_ = hs;
  rd.wait_for_save = rd.snapshot || !rd.entries.empty() || vote_changed;
  rd.messages.swap(msgs_);
  rd.leader_messages.swap(leader_msgs_);
  rd.committed = log_.slice(log_.applied + 1, log_.committed + 1, SIZE_MAX);
  log_.applied = log_.committed;
  rd.read_states.swap(read_states_);
  return rd;
}

status raft_node::get_status() const {
  status s;
  s.id = cfg_.id;
  s.state = role_;
  s.term = term_;
  s.vote = vote_;
  s.leader = lead_;
  s.commit_index = log_.committed;
  s.applied_index = log_.applied;
  s.first_index = log_.first_index();
  s.last_index = log_.last_index();
  s.snapshot_index = log_.snapshot().index();
  if (role_ == role::leader)
    for (const auto& [id, pr] : prs_)
      s.peers.push_back(
        {id, pr.match, pr.next, pr.recent_active || pr.was_active});
  return s;
}

} // namespace troupe::raft
