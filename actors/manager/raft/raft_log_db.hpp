// raft_log_db: a manager's durable Raft state in SQLite (WAL,
// synchronous=FULL, so every save() is fsynced before it returns).
// Tables: raft_entries(idx PK, term, type, data BLOB), raft_state (the hard
// state), raft_snapshot (the latest snapshot). Reads are served from an
// in-memory copy loaded at open(); save() writes one transaction per ready
// batch and updates the copy only when the transaction committed.
#pragma once

#include <memory>
#include <string>

#include "actors/manager/raft/raft_storage.hpp"

struct sqlite3;

namespace troupe::raft {

class raft_log_db : public raft_storage {
public:
  /// Opens (creating if needed) the database at `path`; nullptr with *error
  /// set to one sentence on failure (unreadable file, corrupt rows).
  static std::unique_ptr<raft_log_db> open(const std::string& path,
                                           std::string* error);
  ~raft_log_db() override;
  raft_log_db(const raft_log_db&) = delete;
  raft_log_db& operator=(const raft_log_db&) = delete;

  pb::RaftHardState hard_state() const override { return cache_.hard_state(); }
  pb::RaftSnapshot snapshot() const override { return cache_.snapshot(); }
  uint64_t first_index() const override { return cache_.first_index(); }
  uint64_t last_index() const override { return cache_.last_index(); }
  bool entries(uint64_t lo, uint64_t hi, std::vector<pb::RaftEntry>* out,
               std::string* error) const override {
    return cache_.entries(lo, hi, out, error);
  }
  std::optional<uint64_t> term(uint64_t i) const override {
    return cache_.term(i);
  }
  bool save(const ready& rd, std::string* error) override;

private:
  explicit raft_log_db(sqlite3* db) : db_(db) {}
  bool load(std::string* error);
  bool write(const ready& rd, std::string* error);
  sqlite3* db_;
  memory_storage cache_; // mirrors the committed database
};

} // namespace troupe::raft
