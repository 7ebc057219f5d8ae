// `troupe stack plan FILE`: what deploying a stack file would change, from
// the file's (default-filled) specs and the stack as the node holds it:
// services added, removed and changed key by key (keys as in the JSON of
// ServiceSpec: "command", "env.PORT", "update.parallelism"), replica
// changes, and how many running tasks a change would replace (every change
// but the replica count starts new tasks). Pure: nothing is sent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/troupe.pb.h"

namespace troupe::cli {

struct key_change {
  std::string key;
  std::string before;  // JSON text; "" = not set (the default)
  std::string after;
};

enum class plan_action { add, change, remove };

struct service_plan {
  std::string name;
  plan_action action = plan_action::change;
  std::vector<key_change> keys;     // change: every key that differs
  uint32_t replicas_before = 0;
  uint32_t replicas_after = 0;
  bool replaces_tasks = false;      // a key other than replicas changed
  uint32_t tasks_replaced = 0;      // its live tasks a deploy would replace
  uint32_t tasks_stopped = 0;       // remove: its live tasks that would stop
};

struct stack_plan {
  std::string stack;
  uint64_t index = 0;               // the stack's modify index (0 = new stack)
  std::vector<service_plan> services;  // by name; unchanged services left out
  bool has_changes() const { return !services.empty(); }
};

/// The plan of deploying `desired` (already default-filled) over `current`
/// (the stack's services as stored) whose live tasks are `live_tasks`.
stack_plan plan_stack(const pb::StackSpec& desired,
                      const std::vector<pb::ServiceSpec>& current,
                      const std::vector<pb::Task>& live_tasks, uint64_t index);

/// Every key in which `before` and `after` differ, sorted by key.
std::vector<key_change> spec_diff(const pb::ServiceSpec& before,
                                  const pb::ServiceSpec& after);

/// The plan for people ("+ added", "~ changed", "- removed", one key a line).
std::string plan_text(const stack_plan& plan);

nlohmann::json plan_json(const stack_plan& plan);

} // namespace troupe::cli
