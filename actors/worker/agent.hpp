// The worker agent: the worker side of a node. It joins the dispatcher with
// its node record (retrying until it is accepted), hands each assigned task
// to its supervisor and stops tasks that are no longer assigned, forwards
// task observations to the dispatcher, and reads its tasks' log files.
// When the node stops, it stops every container without reporting it: the
// tasks stay desired RUNNING and start again when the node comes back.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "actors/interfaces.hpp"
#include "runtime/driver.hpp"

namespace troupe {

struct agent_state {
  static inline const char* name = "agent";
  pb::Node node;
  dispatcher_actor dispatcher;
  supervisor_actor supervisor;
  std::string tasks_dir;
  std::set<std::string> assigned;  // task ids in the last assignment list
  bool joined = false;
  bool stopping = false;  // the node is stopping: no new work, no reports

};

/// `node` describes this node as it registers; `drivers` are what it runs.
agent_actor::behavior_type
agent(agent_actor::stateful_pointer<agent_state> self, pb::Node node,
      dispatcher_actor dispatcher,
      std::map<std::string, std::shared_ptr<driver>> drivers,
      std::string tasks_dir);

/// Log lines of `req.service` (or one task) from the task folders under
/// `tasks_dir`: the last req.tail lines, or what followed req.offsets.
pb::LogChunk read_task_logs(const std::string& tasks_dir,
                            const pb::LogRequest& req);

} // namespace troupe
