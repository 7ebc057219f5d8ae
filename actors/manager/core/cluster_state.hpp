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
// - assign_task to a node homes the task's local volumes there: a volume
//   with no record gets one on that node; one recorded elsewhere (an
//   unpinned volume whose task moved) is recorded on the new node. Volume
//   records outlive tasks, services and stacks; only remove_volume, which
//   the API sends once the node has removed the data, deletes one.
// - put_node keeps registered_at; an empty state means "ready", an empty
//   availability keeps the node's current one ("active" for a new node).
//
// Shape: every object kind is a persistent_map (structurally shared, O(log n)
// per update), plus three indexes (tasks by service, tasks by node, services
// by stack), so a copy of a cluster_state is O(1) and is an immutable view:
// readers hold copies while the store applies newer entries. apply() costs
// O(log n) per object the entry touches, never O(size of the cluster);
// last_apply_work() counts the map nodes it visited and copied.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/manager/core/persistent_map.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

/// Keys of the objects one apply() created, changed or deleted.
struct touched_keys {
  std::set<std::string> stacks, services, tasks, nodes, volumes;
  bool empty() const {
    return stacks.empty() && services.empty() && tasks.empty() && nodes.empty()
           && volumes.empty();
  }
};

/// True for COMPLETE, FAILED, SHUTDOWN, REJECTED, ORPHANED.
bool is_terminal(pb::TaskState state);

/// "running", "pending", ... (lower-case state names for users).
std::string state_name(pb::TaskState state);

class cluster_state {
public:
  using stack_map = persistent_map<pb::Stack>;
  using service_map = persistent_map<pb::Service>;
  using task_map = persistent_map<pb::Task>;
  using node_map = persistent_map<pb::Node>;
  using volume_map = persistent_map<pb::Volume>;
  struct none {};
  /// Index keys are "<owner>\0<key>" (see tasks_of, tasks_on, services_of).
  using key_index = persistent_map<none>;

  /// Applies every valid change of `entry`, sets index() to entry.index(),
  /// and returns the keys of everything it touched.
  touched_keys apply(const pb::Entry& entry);

  /// The index of the newest entry that changed stack `name` or one of its
  /// services (Stack.modify_index, Service.modify_index); 0 = no such stack.
  uint64_t stack_index(const std::string& name) const;

  uint64_t index() const { return index_; }
  const stack_map& stacks() const { return stacks_; }
  const service_map& services() const { return services_; }
  const task_map& tasks() const { return tasks_; }
  const node_map& nodes() const { return nodes_; }
  const volume_map& volumes() const { return volumes_; }

  const pb::Service* find_service(const std::string& name) const;
  const pb::Task* find_task(const std::string& id) const;
  const pb::Node* find_node(const std::string& name) const;
  const pb::Stack* find_stack(const std::string& name) const;
  const pb::Volume* find_volume(const std::string& name) const;

  /// Tasks of one service, ordered by slot (then node), then created_at.
  /// O(k log n) for a service of k tasks.
  std::vector<const pb::Task*> tasks_of(const std::string& service) const;
  /// Ids of the tasks of one service, in id order.
  std::vector<std::string> task_ids_of(const std::string& service) const;
  /// Tasks placed on one node (any state), in id order.
  std::vector<const pb::Task*> tasks_on(const std::string& node) const;
  /// Services whose spec names `stack`, in name order.
  std::vector<const pb::Service*> services_of(const std::string& stack) const;

  /// Everything as one protobuf message: only for Raft compaction and
  /// InstallSnapshot (readers in this process hold a copy instead).
  pb::ClusterSnapshot snapshot() const;
  /// Replaces the whole state with a snapshot.
  void restore(const pb::ClusterSnapshot& snap);

  /// Loaders (state_db) put objects back one by one.
  void put(const pb::Stack& x);
  void put(const pb::Service& x);
  void put(const pb::Task& x);
  void put(const pb::Node& x);
  void put(const pb::Volume& x);
  void set_index(uint64_t index) { index_ = index; }

  /// Map nodes visited and copied by the last apply().
  map_work last_apply_work() const { return last_apply_work_; }
  /// Tasks the services want, kept as services change (not counted per
  /// call): the sum of replicas of the non-global services, and the number
  /// of global ones (each wants one task per node).
  uint64_t replicas_wanted() const { return replicas_wanted_; }
  uint64_t global_services() const { return global_services_; }

private:
  void stamp_modify_index(const touched_keys& touched, uint64_t index);
  friend struct state_writer;
  uint64_t index_ = 0;
  stack_map stacks_;
  service_map services_;
  task_map tasks_;
  node_map nodes_;
  volume_map volumes_;
  key_index tasks_by_service_;
  key_index tasks_by_node_;
  key_index services_by_stack_;
  map_work last_apply_work_;
  uint64_t replicas_wanted_ = 0;
  uint64_t global_services_ = 0;
};

/// The keys of `index` that start with "<owner>\0", without the prefix.
std::vector<std::string> index_keys(const cluster_state::key_index& index,
                                    const std::string& owner);

/// The only way to change a cluster_state's maps (apply() and the loaders):
/// keeps the indexes in step with the objects.
struct state_writer {
  cluster_state& s;
  void count_service(const pb::Service& svc, int sign);
  void put_task(pb::Task task);
  void erase_task(const std::string& id);
  void put_service(pb::Service svc);
  void erase_service(const std::string& name);
  void put_stack(pb::Stack stack);
  void erase_stack(const std::string& name) { s.stacks_.erase(name); }
  void put_node(pb::Node node);
  void put_volume(pb::Volume volume);
  void erase_volume(const std::string& name) { s.volumes_.erase(name); }
};

} // namespace troupe
