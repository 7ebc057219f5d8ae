// Durable state of one Raft member: hard state, latest snapshot and the log
// after it. The core reads it once, when it is constructed; afterwards the
// driver writes each ready batch with save() before sending its messages.
// Contract: save() is atomic and durable when it returns true (all of the
// batch or none of it); a false return leaves the storage as it was and the
// driver must stop the member (its in-memory state ran ahead of the disk).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/manager/raft/raft_types.hpp"

namespace troupe::raft {

class raft_storage {
public:
  virtual ~raft_storage() = default;

  virtual pb::RaftHardState hard_state() const = 0;
  /// The latest snapshot; index 0 when there is none.
  virtual pb::RaftSnapshot snapshot() const = 0;
  /// snapshot().index() + 1.
  virtual uint64_t first_index() const = 0;
  /// Index of the last stored entry (snapshot index when the log is empty).
  virtual uint64_t last_index() const = 0;
  /// Entries [lo, hi); false with *error if part of the range is missing.
  virtual bool entries(uint64_t lo, uint64_t hi, std::vector<pb::RaftEntry>* out,
                       std::string* error) const = 0;
  /// Term of entry i (snapshot term at its index); nullopt if unknown.
  virtual std::optional<uint64_t> term(uint64_t i) const = 0;

  /// Persists one ready batch in one transaction, in this order:
  /// `compacted` (if newer than the stored snapshot: store it, drop entries
  /// <= its index), `snapshot` (if newer: store it, drop every entry),
  /// `entries` (drop stored entries >= the first one's index, then append),
  /// `hard_state`. Messages and committed entries are ignored.
  virtual bool save(const ready& rd, std::string* error) = 0;
};

/// Group commit: folds what `next` persists (entries, hard state, stable
/// mark) into `into`, taken before it, so that one save(into) leaves the
/// storage as save(into) then save(next) would. Messages, committed entries
/// and reads are not touched. False (nothing changed) when the two cannot be
/// folded: a snapshot or compaction in either, or entries with a gap.
bool fold_batch(ready& into, const ready& next);

/// In-memory storage for tests and simulations; save() always succeeds.
class memory_storage : public raft_storage {
public:
  pb::RaftHardState hard_state() const override { return hs_; }
  pb::RaftSnapshot snapshot() const override { return snap_; }
  uint64_t first_index() const override { return snap_.index() + 1; }
  uint64_t last_index() const override { return snap_.index() + log_.size(); }
  bool entries(uint64_t lo, uint64_t hi, std::vector<pb::RaftEntry>* out,
               std::string* error) const override;
  std::optional<uint64_t> term(uint64_t i) const override;
  bool save(const ready& rd, std::string* error) override;
  /// Would save(rd) succeed? (the entries must continue the log)
  bool check(const ready& rd, std::string* error) const;

private:
  void store_snapshot(const pb::RaftSnapshot& s, bool drop_all);
  pb::RaftHardState hs_;
  pb::RaftSnapshot snap_;
  std::vector<pb::RaftEntry> log_; // indices snap_.index()+1 ...
};

} // namespace troupe::raft
