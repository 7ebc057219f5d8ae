// The checkpoint of the cluster state in SQLite: one table per object kind
// holding protobuf blobs, and the index they reflect. It is not a log and
// not what makes a write durable: the Raft log is (fsynced before a write is
// acknowledged). save() writes the objects a batch of entries touched, as a
// view at the batch's last index holds them, in one transaction (WAL,
// synchronous=NORMAL: no fsync per batch), so a crash leaves the previous
// checkpoint or this one, never a mix; after a crash the store loads the
// checkpoint and Raft hands it the entries above its index again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/manager/core/cluster_state.hpp"
#include "messages/troupe.pb.h"

struct sqlite3;

namespace troupe {

class state_db {
public:
  /// Opens (creating if needed) the database at `path`. nullptr with *error
  /// set to one sentence on failure.
  static std::unique_ptr<state_db> open(const std::string& path,
                                        std::string* error);
  ~state_db();

  /// Loads every object and the applied index into `state`.
  bool load(cluster_state& state, std::string* error);

  /// The index of the last applied entry (0 for a new database), without
  /// loading any object.
  bool applied_index(uint64_t* index, std::string* error);

  /// In one transaction: upserts every touched object that exists in
  /// `state`, deletes those that do not, and records state.index().
  bool save(const touched_keys& touched, const cluster_state& state,
            std::string* error);

private:
  explicit state_db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

} // namespace troupe
