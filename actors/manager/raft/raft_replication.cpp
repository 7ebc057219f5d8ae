// raft_node: log replication, conflict repair, commit, heartbeats.
#include "actors/manager/raft/raft.hpp"

#include <algorithm>
#include <functional>

namespace troupe::raft {

// Probe: one append, then wait for its answer. Replicate: everything from
// next in messages of max_entries_per_msg (and max_bytes_per_msg), without waiting, while fewer than
// max_inflight of them (max_inflight_bytes of data) are unanswered (etcd's
// pipelining).
void raft_node::send_append(const std::string& to) {
  auto& pr = prs_[to];
  bool sent = false;
  while (!pr.paused && pr.inflight.size() < cfg_.max_inflight
         && pr.inflight_bytes < cfg_.max_inflight_bytes) {
    auto prev_term = log_.term(pr.next - 1);
    if (!prev_term) { // the entries it needs were compacted away
      send_snapshot(to, pr);
      return;
    }
    auto ents = log_.slice(pr.next, log_.last_index() + 1, cfg_.max_entries_per_msg,
                           cfg_.max_bytes_per_msg);
    if (ents.empty() && sent)
      return;
    pb::RaftMessage m;
    m.set_type(pb::RAFT_APPEND);
    m.set_to(to);
    m.set_index(pr.next - 1);
    m.set_log_term(*prev_term);
    m.set_commit(log_.committed);
    if (!ents.empty()) {
      if (pr.replicate) {
        pr.next = ents.back().index() + 1;
        size_t bytes = 0;
        for (const auto& e : ents)
          bytes += e.data().size();
        pr.sent(ents.back().index(), bytes);
      } else {
        pr.paused = true;
      }
    }
    bool more = pr.replicate && !ents.empty();
    for (auto& e : ents)
      *m.add_entries() = std::move(e);
    send(std::move(m));
    sent = true;
    if (!more)
      return;
  }
}

void raft_node::bcast_append() {
  for (auto& [id, pr] : prs_)
    send_append(id);
}

void raft_node::bcast_heartbeat(const std::string& ctx) {
  for (auto& [id, pr] : prs_) {
    pb::RaftMessage m;
    m.set_type(pb::RAFT_HEARTBEAT);
    m.set_to(id);
    m.set_commit(std::min(pr.match, log_.committed));
    m.set_context(ctx);
    send(std::move(m));
  }
}

// Where the leader should look for the last entry we share: skip back over
// the whole run of our conflicting term (never below our commit index).
static uint64_t reject_hint(const raft_log& log, uint64_t index) {
  if (index > log.last_index())
    return log.last_index();
  auto t = log.term(index);
  uint64_t i = index;
  while (i - 1 > log.committed && log.term(i - 1) == t)
    --i;
  return i - 1;
}

void raft_node::handle_append(const pb::RaftMessage& m) {
  pb::RaftMessage r;
  r.set_type(pb::RAFT_APPEND_RESP);
  r.set_to(m.from());
  if (m.index() < log_.committed) {
    r.set_index(log_.committed);
    send(std::move(r));
    return;
  }
  std::vector<pb::RaftEntry> ents(m.entries().begin(), m.entries().end());
  for (size_t i = 0; i < ents.size(); ++i)
    if (ents[i].index() != m.index() + 1 + i || ents[i].term() > m.term())
      return; // malformed: entries must follow index and not outrun the term
  if (auto last = log_.maybe_append(m.index(), m.log_term(), m.commit(), ents)) {
    r.set_index(*last);
  } else {
    r.set_index(m.index());
    r.set_reject(true);
    r.set_reject_hint(reject_hint(log_, m.index()));
  }
  send(std::move(r));
}

void raft_node::handle_append_response(const pb::RaftMessage& m) {
  auto& pr = prs_[m.from()];
  pr.recent_active = true;
  if (m.reject()) {
    bool stale = pr.replicate ? m.index() <= pr.match : m.index() != pr.next - 1;
    if (stale)
      return;
    pr.next = std::max(std::min(m.index(), m.reject_hint() + 1), pr.match + 1);
    pr.replicate = false;
    pr.paused = false;
    pr.forget_inflight();
    send_append(m.from());
    return;
  }
  pr.paused = false;
  if (m.index() > log_.last_index())
    return; // malformed: acknowledges entries we never had
  pr.acked(m.index());
  bool updated = m.index() > pr.match;
  if (updated) {
    pr.match = m.index();
    pr.next = std::max(pr.next, pr.match + 1);
    if (!pr.replicate) {
      pr.replicate = true;
      pr.next = pr.match + 1;
      pr.forget_inflight();
    }
  }
  if (m.from() == transferee_ && pr.match == log_.last_index()) {
    pb::RaftMessage t;
    t.set_type(pb::RAFT_TIMEOUT_NOW);
    t.set_to(m.from());
    send(std::move(t));
  }
  if (updated && maybe_commit())
    bcast_pending_ = true; // spread the new commit index with the batch
  else if (pr.next <= log_.last_index())
    send_append(m.from());
}

void raft_node::handle_heartbeat(const pb::RaftMessage& m) {
  log_.commit_to(m.commit());
  pb::RaftMessage r;
  r.set_type(pb::RAFT_HEARTBEAT_RESP);
  r.set_to(m.from());
  r.set_context(m.context());
  // The leader counts entries up to its commit as ours; if we do not have
  // them (our log was lost, e.g. a wiped data dir), say where ours ends.
  r.set_index(log_.last_index());
  r.set_reject(m.commit() > log_.last_index());
  send(std::move(r));
}

void raft_node::handle_heartbeat_response(const pb::RaftMessage& m) {
  auto& pr = prs_[m.from()];
  pr.recent_active = true;
  pr.paused = false;
  if (m.reject() && m.index() < pr.match) {
    // The follower lost entries it had acknowledged: replicate from its end.
    pr.match = m.index();
    pr.next = m.index() + 1;
    pr.replicate = false;
    pr.forget_inflight();
  }
  if (pr.match < log_.last_index()) {
    // No progress for several heartbeats: an append was lost (a follower
    // busy saving answers heartbeats before appends). Probe again.
    pr.stalls = pr.match == pr.hb_match ? pr.stalls + 1 : 0;
    if (pr.replicate && pr.stalls >= cfg_.stalled_heartbeats) {
      pr.stalls = 0;
      pr.replicate = false;
      pr.next = pr.match + 1;
      pr.forget_inflight();
    }
    send_append(m.from());
  }
  pr.hb_match = pr.match;
  if (!m.context().empty())
    ack_read(m.from(), m.context());
}

bool raft_node::maybe_commit() {
  // Our own log counts only as far as it is durable (persisted()).
  std::vector<uint64_t> matches{std::min(log_.durable, log_.last_index())};
  for (const auto& [id, pr] : prs_)
    matches.push_back(pr.match);
  std::sort(matches.begin(), matches.end(), std::greater<uint64_t>());
  return log_.maybe_commit(matches[quorum() - 1], term_);
}

void raft_node::step_leader(const pb::RaftMessage& m) {
  switch (m.type()) {
    case pb::RAFT_APPEND_RESP: handle_append_response(m); break;
    case pb::RAFT_HEARTBEAT_RESP: handle_heartbeat_response(m); break;
    case pb::RAFT_READ_INDEX:
      if (log_.term(log_.committed) == term_)
        start_read(m.context(), m.from());
      break;
    default: break; // votes of a past round, stray messages
  }
}

void raft_node::step_follower(const pb::RaftMessage& m) {
  switch (m.type()) {
    case pb::RAFT_APPEND:
    case pb::RAFT_HEARTBEAT:
    case pb::RAFT_SNAPSHOT:
      election_elapsed_ = 0;
      lead_ = m.from();
      if (m.type() == pb::RAFT_APPEND)
        handle_append(m);
      else if (m.type() == pb::RAFT_HEARTBEAT)
        handle_heartbeat(m);
      else
        handle_snapshot(m);
      break;
    case pb::RAFT_TIMEOUT_NOW: campaign(false, true); break;
    case pb::RAFT_READ_INDEX_RESP: {
      auto group = forwarded_.find(m.context());
      if (group == forwarded_.end()) {
        read_states_.push_back({m.index(), m.context()});
        break;
      }
      for (auto& ctx : group->second)
        read_states_.push_back({m.index(), std::move(ctx)});
      forwarded_.erase(group);
      break;
    }
    default: break;
  }
}

} // namespace troupe::raft
