// raft_node: snapshots (compact, InstallSnapshot), linearizable reads
// (read index with a heartbeat quorum round) and leadership transfer.
#include "actors/manager/raft/raft.hpp"

namespace troupe::raft {

result raft_node::compact(uint64_t index, std::string data) {
  result r;
  if (index > log_.applied || !log_.term(index)) {
    r.error = index > log_.applied ? error_code::bad_argument : error_code::none;
    return r; // beyond what was applied, or already compacted: nothing to do
  }
  if (index == log_.snapshot().index())
    return r;
  pb::RaftSnapshot s;
  s.set_index(index);
  s.set_term(*log_.term(index));
  for (const auto& v : cfg_.voters)
    s.add_voters(v);
  s.set_data(std::move(data));
  log_.compact(s);
  compacted_ = std::move(s);
  return r;
}

void raft_node::send_snapshot(const std::string& to, progress& pr) {
  if (log_.snapshot().index() == 0)
    return; // cannot happen: only compaction makes entries unavailable
  pb::RaftMessage m;
  m.set_type(pb::RAFT_SNAPSHOT);
  m.set_to(to);
  *m.mutable_snapshot() = log_.snapshot();
  pr.replicate = false;
  pr.paused = true; // resent on the next heartbeat response if lost
  pr.forget_inflight();
  send(std::move(m));
}

void raft_node::handle_snapshot(const pb::RaftMessage& m) {
  const auto& s = m.snapshot();
  pb::RaftMessage r;
  r.set_type(pb::RAFT_APPEND_RESP);
  r.set_to(m.from());
  if (s.index() <= log_.committed || s.term() > m.term()) {
    r.set_index(log_.committed); // old news (or malformed)
  } else if (log_.match_term(s.index(), s.term())) {
    log_.commit_to(s.index()); // we hold those entries: just commit them
    r.set_index(log_.committed);
  } else {
    log_.restore(s);
    install_ = s;
    if (compacted_ && compacted_->index() <= s.index())
      compacted_.reset();
    r.set_index(log_.last_index());
  }
  send(std::move(r));
}

result raft_node::read_index(std::string ctx) {
  result r;
  r.leader_hint = lead_;
  if (role_ != role::leader) {
    if (lead_.empty()) {
      r.error = error_code::no_leader;
      return r;
    }
    reads_to_forward_.push_back(std::move(ctx)); // sent with the batch
    return r;
  }
  if (log_.term(log_.committed) != term_) {
    r.error = error_code::not_ready; // commit index may still be stale
    return r;
  }
  start_read(std::move(ctx), "");
  return r;
}

void raft_node::start_read(std::string ctx, std::string from) {
  read_request req{std::move(ctx), std::move(from), log_.committed, {cfg_.id}};
  if (quorum() == 1) {
    answer_read(req);
    return;
  }
  reads_.push_back(std::move(req));
  read_round_pending_ = true; // one heartbeat round for this turn's reads
}

void raft_node::ack_read(const std::string& from, const std::string& ctx) {
  size_t k = 0;
  while (k < reads_.size() && reads_[k].ctx != ctx)
    ++k;
  if (k == reads_.size())
    return;
  // A heartbeat sent for a read also confirms every read queued before it.
  for (size_t i = 0; i <= k; ++i)
    reads_[i].acks.insert(from);
  while (!reads_.empty() && reads_.front().acks.size() >= quorum()) {
    answer_read(reads_.front());
    reads_.pop_front();
  }
}

void raft_node::answer_read(const read_request& req) {
  if (req.from.empty()) {
    read_states_.push_back({req.index, req.ctx});
    return;
  }
  pb::RaftMessage m;
  m.set_type(pb::RAFT_READ_INDEX_RESP);
  m.set_to(req.from);
  m.set_index(req.index);
  m.set_context(req.ctx);
  send(std::move(m));
}

result raft_node::transfer_leadership(const std::string& to) {
  result r;
  r.leader_hint = lead_;
  if (role_ != role::leader) {
    r.error = lead_.empty() ? error_code::no_leader : error_code::not_leader;
    return r;
  }
  if (!is_voter(to)) {
    r.error = error_code::bad_argument;
    return r;
  }
  if (to == cfg_.id || to == transferee_)
    return r;
  transferee_ = to;
  election_elapsed_ = 0; // the transfer has one election timeout to finish
  auto& pr = prs_[to];
  if (pr.match == log_.last_index()) {
    pb::RaftMessage m;
    m.set_type(pb::RAFT_TIMEOUT_NOW);
    m.set_to(to);
    send(std::move(m));
  } else {
    send_append(to);
  }
  return r;
}

} // namespace troupe::raft
