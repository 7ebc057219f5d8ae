// The cluster's state machine: stacks, services, tasks and nodes, changed
// only by applying committed entries (pb::Entry) in index order. Pure and
// deterministic (time comes from the entry), so every manager that applies
// the same log holds the same state. Invalid changes inside an entry (an
// unknown task, a backward state move) are skipped, never half-applied.
//
// Rules the store relies on:
// - deploy_stack upserts the stack and its services. A service whose spec
//   is unchanged is untouched; a changed replica count bumps `version`; any
//   other change also bumps `spec_version` and keeps `previous_spec`.
//   Services of the stack that the new spec no longer lists are removed.
// - Removing a service (remove_stack, or a redeploy without it) sets its
//   tasks' desired state to SHUTDOWN; tasks that never reached a node are
//   SHUTDOWN at once. Terminal tasks of a removed service are deleted.
// - Task states only move forward (NEW < PENDING < ... < RUNNING < terminal).
//   A status that would move a live task backwards keeps the state but takes
//   the other fields (pid, restarts, message): a container restarted in place
//   stays RUNNING. A status for a terminal task is ignored.
// - create_task starts PENDING; assign_task with a node moves PENDING ->
//   ASSIGNED and records host ports; with no node it only sets the message.
// - set_desired only goes RUNNING -> SHUTDOWN.
// - node_status "down" makes the node's live (assigned..running) tasks
//   ORPHANED with desired SHUTDOWN and no pid: their services replace them
//   on live nodes.
// - node_update (node_update.hpp) sets availability and adds/removes labels
//   of a known node; an invalid update or an unknown node changes nothing.
//   It leaves the node's tasks alone: their reconcilers move them.
// - port_status records (or, with an empty error, clears) one node's
//   failure to open a published port on the service (Service.port_errors).
// - scale_service leaves global services and jobs alone.
// - put_node keeps registered_at; an empty state means "ready", an empty
//   availability keeps the node's current one ("active" for a new node).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe {

/// Keys of the objects one apply() created, changed or deleted.
struct touched_keys {
  std::set<std::string> stacks, services, tasks, nodes;
  bool empty() const {
    return stacks.empty() && services.empty() && tasks.empty() && nodes.empty();
  }
};

/// True for COMPLETE, FAILED, SHUTDOWN, REJECTED, ORPHANED.
bool is_terminal(pb::TaskState state);

/// "running", "pending", ... (lower-case state names for users).
std::string state_name(pb::TaskState state);

class cluster_state {
public:
  /// Applies every valid change of `entry`, sets index() to entry.index(),
  /// and returns the keys of everything it touched.
  touched_keys apply(const pb::Entry& entry);

  uint64_t index() const { return index_; }
  const std::map<std::string, pb::Stack>& stacks() const { return stacks_; }
  const std::map<std::string, pb::Service>& services() const { return services_; }
  const std::map<std::string, pb::Task>& tasks() const { return tasks_; }
  const std::map<std::string, pb::Node>& nodes() const { return nodes_; }

  const pb::Service* find_service(const std::string& name) const;
  const pb::Task* find_task(const std::string& id) const;
  const pb::Node* find_node(const std::string& name) const;

  /// Tasks of one service, ordered by slot (then node), then created_at.
  std::vector<const pb::Task*> tasks_of(const std::string& service) const;

  /// Everything, for readers in other actors or processes.
  pb::ClusterSnapshot snapshot() const;
  /// Replaces the whole state with a snapshot.
  void restore(const pb::ClusterSnapshot& snap);

  /// Loaders (state_db) put objects back one by one.
  void put(const pb::Stack& x) { stacks_[x.name()] = x; }
  void put(const pb::Service& x) { services_[x.spec().name()] = x; }
  void put(const pb::Task& x) { tasks_[x.id()] = x; }
  void put(const pb::Node& x) { nodes_[x.name()] = x; }
  void set_index(uint64_t index) { index_ = index; }

private:
  uint64_t index_ = 0;
  std::map<std::string, pb::Stack> stacks_;
  std::map<std::string, pb::Service> services_;
  std::map<std::string, pb::Task> tasks_;
  std::map<std::string, pb::Node> nodes_;
};

} // namespace troupe
