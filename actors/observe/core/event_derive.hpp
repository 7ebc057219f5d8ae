// Events from committed entries, pure (no CAF, no I/O): what `troupe events`
// shows. derive_events compares the objects one entry touched before and
// after it was applied; event_source keeps its own copy of the state and
// turns each entry into its events (only the objects an entry can touch are
// copied beforehand).
//
// Types and actions (pb::Event.type / .action):
//   task:    created, <new state name> (old_state/new_state attributes),
//            restarted (restarts grew), started (a new pid while running),
//            unplaced (the scheduler's reason), shutdown_requested, health,
//            removed
//   service: created, updated (spec changed), scaled, removed
//   update:  started (spec_version grew), completed (every running task of
//            the service runs the new spec, as many as desired)
//   stack:   deployed, removed
//   node:    registered, up, down, drain, active, updated (labels), removed
// Every event carries the entry's index and timestamp; seq is left 0 for the
// publisher. Events of one entry come stacks, services, nodes, tasks, updates.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "actors/manager/core/cluster_state.hpp"
#include "messages/troupe.pb.h"

namespace troupe::observe {

/// Events of `entry`, given the state before it (it must hold at least every
/// object the entry touched that existed before) and after it.
std::vector<pb::Event> derive_events(const cluster_state& before,
                                     const cluster_state& after,
                                     const touched_keys& touched,
                                     const pb::Entry& entry);

/// One line for humans: "2024-05-01T10:00:00.123Z task web.1.x running -> failed: ...".
std::string format_event(const pb::Event& e);

/// Its own replica of the cluster state, fed committed entries in order.
class event_source {
public:
  /// Starts from a snapshot (index = the snapshot's).
  void reset(const pb::ClusterSnapshot& snap);
  /// Starts from a view of the store's state (O(1): shared, not copied).
  void reset(const cluster_state& view);
  /// Applies the entry and returns its events (seq = 0).
  std::vector<pb::Event> apply(const pb::Entry& entry);
  const cluster_state& state() const { return state_; }
  /// How many tasks are in each state, kept up to date by apply() (work
  /// proportional to the tasks an entry touched).
  const std::map<pb::TaskState, int64_t>& task_counts() const { return counts_; }

private:
  void count_all();
  cluster_state state_;
  std::map<pb::TaskState, int64_t> counts_;
  std::map<std::string, uint64_t> updating_; // service -> spec_version rolling out
};

} // namespace troupe::observe
