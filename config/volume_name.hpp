// The names of a task's volumes. A local volume's full name is STACK_NAME;
// with per_slot each replica has its own, STACK_NAME.SLOT, and each node
// its own for a global service (STACK_NAME.NODE; global tasks have slot 0).
// A global service's local volume is per node even without per_slot: one
// folder cannot be on every node. tmpfs and bind mounts have no record: "".
#pragma once

#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

std::string volume_name(const pb::Task& task, const pb::Mount& mount);

/// TROUPE_VOLUME_<KEY>: the key upper-cased, other characters as '_'.
std::string volume_env_name(const std::string& volume_key);

} // namespace troupe
