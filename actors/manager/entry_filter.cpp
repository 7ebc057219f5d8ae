#include "actors/manager/entry_filter.hpp"

#include "actors/manager/core/cluster_state.hpp"

namespace troupe {

std::string service_of_task(const std::string& task_id) {
  return task_id.substr(0, task_id.find('.'));
}

entry_scope scope_of(const pb::Entry& entry) {
  entry_scope s;
  for (const auto& c : entry.changes()) {
    switch (c.op_case()) {
      case pb::Change::kDeployStack:
        s.stacks.insert(c.deploy_stack().name());
        for (const auto& svc : c.deploy_stack().services())
          s.services.insert(svc.name());
        s.desired = true;
        break;
      case pb::Change::kRemoveStack:
        s.stacks.insert(c.remove_stack());
        s.desired = true;
        break;
      case pb::Change::kScaleService:
        s.services.insert(c.scale_service().service());
        break;
      case pb::Change::kCreateTask:
        s.services.insert(c.create_task().service());
        s.new_tasks = true;
        break;
      case pb::Change::kAssignTask:
        s.services.insert(service_of_task(c.assign_task().task_id()));
        s.desired = s.desired || !c.assign_task().node().empty();
        break;
      case pb::Change::kSetDesired:
        s.services.insert(service_of_task(c.set_desired().task_id()));
        s.desired = true;
        break;
      case pb::Change::kTaskStatus:
        s.services.insert(service_of_task(c.task_status().task_id()));
        s.task_ends = s.task_ends || is_terminal(c.task_status().state());
        break;
      case pb::Change::kRemoveTask:
        s.services.insert(service_of_task(c.remove_task()));
        break;
      case pb::Change::kPutNode:
      case pb::Change::kNodeStatus:
      case pb::Change::kNodeUpdate:
        s.nodes = true;
        break;
      case pb::Change::kUpdateService:
        s.services.insert(c.update_service().name());
        break;
      case pb::Change::kRollbackService:
        s.services.insert(c.rollback_service().service());
        break;
      case pb::Change::kUpdateStatus:
        s.services.insert(c.update_status().service());
        break;
      case pb::Change::kRemoveVolume:
        s.volumes = true;
        break;
      case pb::Change::kPortStatus: // shown to users; no actor acts on it
      case pb::Change::OP_NOT_SET:
        break;
    }
  }
  return s;
}

} // namespace troupe
