// memory_storage and the names of raft_types.hpp's enums.
#include "actors/manager/raft/raft_storage.hpp"

namespace troupe::raft {

const char* to_string(role r) {
  switch (r) {
    case role::follower: return "follower";
    case role::pre_candidate: return "pre-candidate";
    case role::candidate: return "candidate";
    case role::leader: return "leader";
  }
  return "unknown";
}

const char* to_string(error_code e) {
  switch (e) {
    case error_code::none: return "ok";
    case error_code::no_leader: return "no leader is known";
    case error_code::not_leader: return "this manager is not the leader";
    case error_code::transferring: return "leadership is being transferred";
    case error_code::not_ready: return "the leader is not ready yet";
    case error_code::bad_argument: return "invalid argument";
  }
  return "unknown error";
}

bool fold_batch(ready& into, const ready& next) {
  if (into.snapshot || into.compacted || next.snapshot || next.compacted)
    return false;
  if (!next.entries.empty() && !into.entries.empty()) {
    uint64_t first = next.entries.front().index();
    if (first > into.entries.back().index() + 1)
      return false;
    while (!into.entries.empty() && into.entries.back().index() >= first)
      into.entries.pop_back(); // replaced, as save(next) would
  }
  into.entries.insert(into.entries.end(), next.entries.begin(), next.entries.end());
  if (next.hard_state)
    into.hard_state = next.hard_state;
  if (next.stable_index != 0) {
    into.stable_index = next.stable_index;
    into.stable_term = next.stable_term;
  }
  return true;
}

bool memory_storage::entries(uint64_t lo, uint64_t hi,
                             std::vector<pb::RaftEntry>* out,
                             std::string* error) const {
  if (lo < first_index() || hi > last_index() + 1 || lo > hi) {
    if (error)
      *error = "requested raft entries are not in the log";
    return false;
  }
  for (uint64_t i = lo; i < hi; ++i)
    out->push_back(log_[i - first_index()]);
  return true;
}

std::optional<uint64_t> memory_storage::term(uint64_t i) const {
  if (i == snap_.index())
    return snap_.term();
  if (i < first_index() || i > last_index())
    return std::nullopt;
  return log_[i - first_index()].term();
}

void memory_storage::store_snapshot(const pb::RaftSnapshot& s, bool drop_all) {
  if (s.index() <= snap_.index())
    return;
  if (drop_all || s.index() >= last_index()) {
    log_.clear();
  } else {
    log_.erase(log_.begin(), log_.begin() + (s.index() - snap_.index()));
  }
  snap_ = s;
}

bool memory_storage::check(const ready& rd, std::string* error) const {
  if (!rd.entries.empty()) {
    uint64_t first = rd.entries.front().index();
    uint64_t snap = snap_.index(), last = last_index();
    if (rd.compacted && rd.compacted->index() > snap)
      snap = rd.compacted->index();
    if (rd.snapshot && rd.snapshot->index() > snap)
      snap = last = rd.snapshot->index();
    if (first <= snap || first > last + 1) {
      if (error)
        *error = "raft entries do not continue the stored log";
      return false;
    }
  }
  return true;
}

bool memory_storage::save(const ready& rd, std::string* error) {
  if (!check(rd, error)) // all or nothing
    return false;
  if (rd.compacted)
    store_snapshot(*rd.compacted, false);
  if (rd.snapshot)
    store_snapshot(*rd.snapshot, true);
  if (!rd.entries.empty()) {
    uint64_t first = rd.entries.front().index();
    log_.resize(first - first_index());
    log_.insert(log_.end(), rd.entries.begin(), rd.entries.end());
  }
  if (rd.hard_state)
    hs_ = *rd.hard_state;
  return true;
}

} // namespace troupe::raft
