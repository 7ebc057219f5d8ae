// Durable cluster state in SQLite (WAL, synchronous=FULL): one table per
// object kind holding protobuf blobs, the applied index, and the entry log.
// save() writes one entry and everything it touched in one transaction, so a
// crash leaves either all of it or none of it.
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

  /// In one transaction: appends `entry` to the log, upserts every touched
  /// object that still exists in `state`, deletes those that do not, and
  /// records state.index().
  bool save(const pb::Entry& entry, const touched_keys& touched,
            const cluster_state& state, std::string* error);

  /// Entries with index > after, oldest first, at most `limit`.
  std::vector<pb::Entry> entries_after(uint64_t after, size_t limit);

private:
  explicit state_db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

} // namespace troupe
