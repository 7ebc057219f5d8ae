// The dispatcher's memory of what it last sent each worker: per node, the
// ids and desired states of the tasks in its last list and that list's
// index. From it the dispatcher sends a worker only what changed: a delta
// (tasks added or whose desired state changed, ids that left: terminal,
// deleted or moved) on top of the last list's index, computed from the ids
// of the tasks the entries touched, never from a scan of the node's tasks.
// A node the book does not know (new, re-joined, asked for a resync) gets
// its full list, read from the tasks-by-node index.
//
// A task belongs in a node's list while it is placed there, ASSIGNED or
// later, and not terminal. Each task sent carries its stack's service
// addresses (vip.hpp). Pure: no CAF, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "actors/manager/core/cluster_state.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

class assignment_book {
public:
  /// The whole list of `node` at `view`; remembered as sent.
  pb::Assignments full(const cluster_state& view, const std::string& node);

  /// The deltas the tasks `touched` (ids; deleted ones too) make for the
  /// nodes the book knows, at `view`; nodes with nothing new are absent.
  /// Remembered as sent. Work: O(|touched| log n).
  std::map<std::string, pb::Assignments>
  deltas(const cluster_state& view, const std::set<std::string>& touched);

  bool knows(const std::string& node) const { return nodes_.count(node) > 0; }
  /// The node's next list is a full one.
  void forget(const std::string& node);
  void clear();

  /// Tasks looked at by the last full() or deltas() (for tests).
  size_t visited() const { return visited_; }

private:
  struct sent_list {
    std::map<std::string, pb::TaskState> desired;  // task id -> desired state
    uint64_t index = 0;
  };
  std::map<std::string, sent_list> nodes_;
  std::map<std::string, std::string> node_of_;  // task id -> node it was sent to
  size_t visited_ = 0;
};

/// Whether `task` belongs in the list of the node it is placed on.
bool is_assigned(const pb::Task& task);

} // namespace troupe
