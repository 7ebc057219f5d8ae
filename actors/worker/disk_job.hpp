// A node's disk use and its prune (`troupe system df`, `troupe system
// prune`), as a one-shot detached actor: it walks the task folders (and
// sizes the image layout) on a thread of its own, so neither the agent nor
// the API waits on the disk, answers one DiskRequest and ends. Which folders
// go is task_folders.hpp's rule; live folders (tasks assigned here) and
// folders holding a container record are never removed, nor any folder
// written since the request arrived (a task starting meanwhile).
// With remove_volume it removes that local volume's folder instead (`volume
// rm`; the agent has checked that no task here mounts it).
#pragma once

#include <set>
#include <string>

#include <caf/typed_actor.hpp>

#include "actors/observe/probe.hpp"
#include "messages/type_ids.hpp"

namespace troupe {

using disk_job_actor = caf::typed_actor<
  caf::replies_to<atom::read, pb::DiskRequest>::with<pb::DiskReport>>;

struct disk_job_input {
  std::string node;
  std::string tasks_dir;
  std::string images_dir;      // "" without the oci driver
  std::string volumes_dir;     // DATA_DIR/volumes/ (local volumes' folders)
  std::set<std::string> live;  // folder names of the tasks assigned here
  int64_t started_ms = 0;      // when the request arrived (unix ms)
};

struct disk_job_state {
  static inline const char* name = "disk job";
};

disk_job_actor::behavior_type
disk_job(probed_pointer<disk_job_actor, disk_job_state> self, disk_job_input in);

/// The walk and, with req.prune, the removal; what disk_job answers.
/// A folder that cannot be removed for remove_volume sets *error.
pb::DiskReport measure_disk(const disk_job_input& in, const pb::DiskRequest& req,
                            std::string* error = nullptr);

} // namespace troupe
