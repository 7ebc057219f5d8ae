// From a task (as the manager assigned it) to what the driver starts: the
// environment troupe gives every task (TROUPE_TASK_ID, TROUPE_TASK_SLOT,
// TROUPE_SERVICE, TROUPE_STACK, TROUPE_NODE, TROUPE_PORT_<NAME> per named
// port, TROUPE_SERVICE_<NAME>_ADDR per service of its stack (its VIP, from
// Task.service_addrs)) over the service's own env, ${VAR} substituted in the command, and
// the task's folder and log files under the node's tasks dir, and its
// volumes: a local one is the folder DATA_DIR/volumes/NAME (beside the
// tasks dir), named to a process task in TROUPE_VOLUME_<KEY>.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"
#include "runtime/driver.hpp"

namespace troupe {

/// The folder of one task: TASKS_DIR/TASK_ID.
std::string task_dir(const std::string& tasks_dir, const std::string& task_id);

/// The folder of local volume `name` (config/volume_name.hpp) on the node
/// whose tasks dir is `tasks_dir`: DATA_DIR/volumes/NAME.
std::string volume_dir(const std::string& tasks_dir, const std::string& name);

/// The task's mounts as the driver makes them.
std::vector<volume_mount> task_mounts(const pb::Task& task, const std::string& tasks_dir);

/// The service env overlaid with troupe's TROUPE_* variables.
std::map<std::string, std::string> task_environment(const pb::Task& task,
                                                    const std::string& node);

/// "${NAME}" replaced by env[NAME] ("" if unset); "$$" stays "$".
std::string substitute(const std::string& text,
                       const std::map<std::string, std::string>& env);

/// The container spec for start number `restarts` of the task.
container_spec make_container_spec(const pb::Task& task, uint32_t restarts,
                                   const std::string& node,
                                   const std::string& tasks_dir);

} // namespace troupe
