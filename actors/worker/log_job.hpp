// A node's log reads (`troupe service logs`), as a one-shot detached actor
// spawned per request by the agent: it lists the task folders and reads
// their log files on a thread of its own, so a `--follow` asking every
// 300ms of a node with thousands of task folders never holds up the agent,
// answers one LogRequest and ends.
#pragma once

#include <string>

#include <caf/typed_actor.hpp>

#include "actors/observe/probe.hpp"
#include "messages/type_ids.hpp"

namespace troupe {

using log_job_actor =
  caf::typed_actor<caf::replies_to<atom::logs, pb::LogRequest>::with<pb::LogChunk>>;

struct log_job_state {
  static inline const char* name = "log job";
};

log_job_actor::behavior_type
log_job(probed_pointer<log_job_actor, log_job_state> self, std::string tasks_dir);

/// Log lines of `req.service` (or one task) from the task folders under
/// `tasks_dir`: the last req.tail lines, or what followed req.offsets.
pb::LogChunk read_task_logs(const std::string& tasks_dir, const pb::LogRequest& req);

} // namespace troupe
