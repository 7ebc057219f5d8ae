// The Raft log as the core sees it: the latest snapshot (index, term, data)
// and every entry after it, with the commit, applied and stable marks.
// Contract: entries are contiguous from first_index(); entries at or below
// `committed` are never truncated; `stabled` is the last index already handed
// to the driver for persisting, `durable` the last one it reported saved,
// `applied` the last one handed out to apply.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::raft {

class raft_log {
public:
  uint64_t first_index() const { return snap_.index() + 1; }
  uint64_t last_index() const { return snap_.index() + entries_.size(); }
  uint64_t last_term() const { return *term(last_index()); }
  /// Term of entry i; the snapshot's term at its index; nullopt otherwise.
  std::optional<uint64_t> term(uint64_t i) const;
  bool match_term(uint64_t i, uint64_t t) const { return term(i) == t; }
  /// Candidate's log (last index/term) at least as up to date as ours?
  bool is_up_to_date(uint64_t index, uint64_t t) const;

  /// Entries [lo, hi) capped at `max` entries and, after the first one, at
  /// `max_bytes` of entry data; lo >= first_index().
  std::vector<pb::RaftEntry> slice(uint64_t lo, uint64_t hi, size_t max,
                                   size_t max_bytes = SIZE_MAX) const;
  const pb::RaftEntry& at(uint64_t i) const { return entries_[i - first_index()]; }

  /// Follower append: if (index, log_term) matches, resolve conflicts, append
  /// the new entries, advance commit to min(commit, last new) and return the
  /// last new index; nullopt on mismatch.
  std::optional<uint64_t> maybe_append(uint64_t index, uint64_t log_term,
                                       uint64_t commit,
                                       const std::vector<pb::RaftEntry>& ents);
  /// Leader append at the end.
  void append(const pb::RaftEntry& e) { entries_.push_back(e); }
  void commit_to(uint64_t i);
  /// Commits `i` if it is in `term` (Raft §5.4.2); true if commit moved.
  bool maybe_commit(uint64_t i, uint64_t t);

  /// Replaces the whole log by the snapshot (committed/applied/stabled := it).
  void restore(const pb::RaftSnapshot& s);
  /// Drops entries <= s.index(), which must be applied; keeps s for sending.
  void compact(const pb::RaftSnapshot& s);
  const pb::RaftSnapshot& snapshot() const { return snap_; }

  uint64_t committed = 0;
  uint64_t applied = 0;  // handed out to apply
  uint64_t stabled = 0;  // handed out to persist
  uint64_t durable = 0;  // reported persisted by the driver (<= stabled)

private:
  pb::RaftSnapshot snap_;            // index 0 = none
  std::vector<pb::RaftEntry> entries_;
};

} // namespace troupe::raft
