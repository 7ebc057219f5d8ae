// raft_log: the core's view of the log (see raft_log.hpp).
#include "actors/manager/raft/raft_log.hpp"

#include <algorithm>

namespace troupe::raft {

std::optional<uint64_t> raft_log::term(uint64_t i) const {
  if (i == snap_.index())
    return snap_.term();
  if (i < first_index() || i > last_index())
    return std::nullopt;
  return entries_[i - first_index()].term();
}

bool raft_log::is_up_to_date(uint64_t index, uint64_t t) const {
  return t > last_term() || (t == last_term() && index >= last_index());
}

std::vector<pb::RaftEntry> raft_log::slice(uint64_t lo, uint64_t hi,
                                           size_t max, size_t max_bytes) const {
  std::vector<pb::RaftEntry> out;
  hi = std::min(hi, last_index() + 1);
  size_t bytes = 0;
  for (uint64_t i = std::max(lo, first_index()); i < hi && out.size() < max; ++i) {
    const auto& e = at(i);
    bytes += e.data().size();
    if (!out.empty() && bytes > max_bytes)
      break;
    out.push_back(e);
  }
  return out;
}

std::optional<uint64_t> raft_log::maybe_append(
  uint64_t index, uint64_t log_term, uint64_t commit,
  const std::vector<pb::RaftEntry>& ents) {
  if (!match_term(index, log_term))
    return std::nullopt;
  uint64_t last_new = index + ents.size();
  for (const auto& e : ents) {
    if (e.index() <= snap_.index())
      continue; // covered by our snapshot, hence committed and equal
    auto t = term(e.index());
    if (t == e.term())
      continue;
    if (t) { // conflict: drop it and everything after (never committed ones)
      if (e.index() <= committed)
        return std::nullopt; // cannot happen with a correct leader
      entries_.resize(e.index() - first_index());
      stabled = std::min(stabled, e.index() - 1);
      durable = std::min(durable, e.index() - 1);
    }
    entries_.push_back(e);
  }
  commit_to(std::min(commit, last_new));
  return last_new;
}

void raft_log::commit_to(uint64_t i) {
  if (i > committed)
    committed = std::min(i, last_index());
}

bool raft_log::maybe_commit(uint64_t i, uint64_t t) {
  if (i > committed && term(i) == t) {
    commit_to(i);
    return true;
  }
  return false;
}

void raft_log::restore(const pb::RaftSnapshot& s) {
  snap_ = s;
  entries_.clear();
  committed = applied = stabled = s.index();
  durable = std::min(durable, s.index());
}

void raft_log::compact(const pb::RaftSnapshot& s) {
  if (s.index() <= snap_.index() || s.index() > last_index())
    return;
  entries_.erase(entries_.begin(), entries_.begin() + (s.index() - snap_.index()));
  snap_ = s;
}

} // namespace troupe::raft
