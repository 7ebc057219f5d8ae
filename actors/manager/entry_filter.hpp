// Which parts of the cluster one committed entry touched, so listeners can
// ignore entries that do not concern them without reading the state.
#pragma once

#include <set>
#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

struct entry_scope {
  std::set<std::string> services;  // services whose spec, scale or tasks changed
  std::set<std::string> stacks;    // stacks deployed or removed
  bool nodes = false;              // a node registered or changed
  bool new_tasks = false;          // tasks were created
  bool task_ends = false;          // a task reached a terminal state
  bool desired = false;            // a task's desired state or node changed
  bool volumes = false;            // a volume record was removed (a waiting task may move)
};

/// The service a task id belongs to ("demo_web.1.x7k" -> "demo_web").
std::string service_of_task(const std::string& task_id);

entry_scope scope_of(const pb::Entry& entry);

} // namespace troupe
