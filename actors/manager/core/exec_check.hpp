// exec_check: the manager's part of `troupe exec`, pure: which task a name
// means and whether a request stays within its limits. The API asks it
// before a round goes to the task's node (api.cpp).
// Contract: a start (session 0) needs a task that runs now; a later round
// only a task that still exists on a node (its command may outlive it).
#pragma once

#include <string>

#include "actors/manager/core/cluster_state.hpp"
#include "config/limits.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

/// Bounds of one exec round (the command's own are the input_limits').
constexpr size_t max_exec_input_bytes = 1 << 20;  // stdin bytes in one round
constexpr uint32_t max_exec_wait_ms = 1000;        // how long a reply may be held

/// The task `name` names: a task id, or SERVICE.SLOT (SERVICE.NODE for a
/// global service) for its task that should be running. nullptr with *why
/// when none fits, or (for a start) when it does not run now.
const pb::Task* exec_task(const cluster_state& state, const std::string& name,
                          bool starting, std::string* why);

/// Why `req` breaks the limits ("" when it does not).
std::string exec_request_problem(const pb::ExecRequest& req, const input_limits& limits);

} // namespace troupe
