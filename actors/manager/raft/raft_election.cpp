// raft_node: terms, roles, (pre-)votes, election and heartbeat timers.
#include "actors/manager/raft/raft.hpp"

namespace troupe::raft {

namespace {
const char* transfer_ctx = "transfer"; // VOTE context: skip the leader lease
} // namespace

void raft_node::reset(uint64_t term) {
  if (term != term_) {
    term_ = term;
    vote_.clear();
  }
  lead_.clear();
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  timeout_ = cfg_.election_ticks
             + static_cast<int>(rng_() % static_cast<uint64_t>(cfg_.election_ticks));
  abort_transfer();
  votes_.clear();
  prs_.clear();
  reads_.clear();
  bcast_pending_ = read_round_pending_ = false;
  reads_to_forward_.clear(); // the driver fails reads on a leader change
  forwarded_.clear();
}

void raft_node::become_follower(uint64_t term, const std::string& lead) {
  reset(term);
  lead_ = lead;
  role_ = role::follower;
}

void raft_node::become_pre_candidate() {
  // Neither term nor vote changes: a pre-vote cannot disrupt anyone.
  votes_.clear();
  prs_.clear();
  reads_.clear();
  lead_.clear();
  timeout_ = cfg_.election_ticks
             + static_cast<int>(rng_() % static_cast<uint64_t>(cfg_.election_ticks));
  role_ = role::pre_candidate;
}

void raft_node::become_candidate() {
  reset(term_ + 1);
  vote_ = cfg_.id;
  role_ = role::candidate;
}

void raft_node::become_leader() {
  reset(term_);
  lead_ = cfg_.id;
  role_ = role::leader;
  for (const auto& v : cfg_.voters)
    if (v != cfg_.id)
      prs_[v].next = log_.last_index() + 1;
  pb::RaftEntry noop; // commits the entries of earlier terms (§5.4.2)
  noop.set_term(term_);
  noop.set_index(log_.last_index() + 1);
  noop.set_type(entry_noop);
  log_.append(noop);
  bcast_pending_ = true;
}

void raft_node::campaign(bool pre_vote, bool transfer) {
  if (pre_vote)
    become_pre_candidate();
  else
    become_candidate();
  votes_[cfg_.id] = true;
  if (quorum() == 1) {
    if (pre_vote)
      campaign(false, transfer);
    else
      become_leader();
    return;
  }
  for (const auto& v : cfg_.voters) {
    if (v == cfg_.id)
      continue;
    pb::RaftMessage m;
    m.set_type(pre_vote ? pb::RAFT_PRE_VOTE : pb::RAFT_VOTE);
    m.set_to(v);
    m.set_term(pre_vote ? term_ + 1 : term_);
    m.set_index(log_.last_index());
    m.set_log_term(log_.last_term());
    if (transfer)
      m.set_context(transfer_ctx);
    send(std::move(m));
  }
}

// The term rules of every message; false when the message is done with.
bool raft_node::step_term(const pb::RaftMessage& m) {
  auto t = m.type();
  bool vote_req = t == pb::RAFT_VOTE || t == pb::RAFT_PRE_VOTE;
  if (m.term() > term_) {
    if (vote_req) {
      bool force = m.context() == transfer_ctx;
      bool in_lease = cfg_.check_quorum && !lead_.empty()
                      && election_elapsed_ < cfg_.election_ticks;
      if (!force && in_lease)
        return false; // we heard from a live leader: ignore the disruption
    }
    if (t == pb::RAFT_PRE_VOTE || (t == pb::RAFT_PRE_VOTE_RESP && !m.reject()))
      return true; // a pre-vote never moves our term
    bool from_leader = t == pb::RAFT_APPEND || t == pb::RAFT_HEARTBEAT
                       || t == pb::RAFT_SNAPSHOT;
    become_follower(m.term(), from_leader ? m.from() : "");
    return true;
  }
  if (m.term() < term_) {
    pb::RaftMessage r;
    r.set_to(m.from());
    if ((cfg_.check_quorum || cfg_.pre_vote)
        && (t == pb::RAFT_APPEND || t == pb::RAFT_HEARTBEAT)) {
      r.set_type(pb::RAFT_APPEND_RESP); // tells a stale leader our term
      send(std::move(r));
    } else if (t == pb::RAFT_PRE_VOTE) {
      r.set_type(pb::RAFT_PRE_VOTE_RESP);
      r.set_reject(true);
      send(std::move(r));
    }
    return false;
  }
  return true;
}

void raft_node::step_vote_request(const pb::RaftMessage& m) {
  bool pre = m.type() == pb::RAFT_PRE_VOTE;
  bool can_vote = vote_ == m.from() || (vote_.empty() && lead_.empty())
                  || (pre && m.term() > term_);
  pb::RaftMessage r;
  r.set_type(pre ? pb::RAFT_PRE_VOTE_RESP : pb::RAFT_VOTE_RESP);
  r.set_to(m.from());
  if (can_vote && log_.is_up_to_date(m.index(), m.log_term())) {
    r.set_term(m.term());
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from();
    }
  } else {
    r.set_term(term_);
    r.set_reject(true);
  }
  send(std::move(r));
}

void raft_node::step_vote_response(const pb::RaftMessage& m) {
  bool pre = role_ == role::pre_candidate;
  if (m.type() != (pre ? pb::RAFT_PRE_VOTE_RESP : pb::RAFT_VOTE_RESP))
    return;
  if (pre && !m.reject() && m.term() != term_ + 1)
    return; // a grant for an older pre-vote round
  votes_[m.from()] = !m.reject();
  size_t granted = 0, rejected = 0;
  for (const auto& [id, yes] : votes_)
    (yes ? granted : rejected) += 1;
  if (granted >= quorum()) {
    if (pre)
      campaign(false, false);
    else
      become_leader();
  } else if (rejected >= quorum()) {
    become_follower(term_, "");
  }
}

void raft_node::tick_election() {
  if (++election_elapsed_ < timeout_)
    return;
  election_elapsed_ = 0;
  campaign(cfg_.pre_vote, false);
}

void raft_node::tick_heartbeat() {
  ++heartbeat_elapsed_;
  if (++election_elapsed_ >= cfg_.election_ticks) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum) {
      size_t active = 1;
      for (auto& [id, pr] : prs_) {
        active += pr.recent_active ? 1 : 0;
        pr.was_active = pr.recent_active;
        pr.recent_active = false;
      }
      if (active < quorum()) { // we may be partitioned away: step down
        become_follower(term_, "");
        return;
      }
    }
    abort_transfer(); // the transfer did not finish in an election timeout
  }
  if (heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    bcast_heartbeat(reads_.empty() ? std::string{} : reads_.back().ctx);
  }
}

} // namespace troupe::raft
