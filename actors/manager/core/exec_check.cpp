#include "actors/manager/core/exec_check.hpp"

namespace troupe {

namespace {

/// SERVICE.SLOT or SERVICE.NODE: the service's task of that slot (or node)
/// that should be running, else its newest one.
const pb::Task* task_of_slot(const cluster_state& state, const std::string& name) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
    return nullptr;
  auto service = name.substr(0, dot);
  auto which = name.substr(dot + 1);
  if (!state.find_service(service))
    return nullptr;
  const pb::Task* found = nullptr;
  for (const auto* t : state.tasks_of(service)) {
    bool same = std::to_string(t->slot()) == which || (t->slot() == 0 && t->node() == which);
    if (!same)
      continue;
    if (!found || t->desired_state() == pb::RUNNING
        || found->desired_state() != pb::RUNNING)
      found = t; // ordered by created_at: the newest live one wins
  }
  return found;
}

} // namespace

const pb::Task* exec_task(const cluster_state& state, const std::string& name,
                          bool starting, std::string* why) {
  const pb::Task* t = state.find_task(name);
  if (!t)
    t = task_of_slot(state, name);
  if (!t) {
    *why = "no task named " + name
           + " (give a task id from `troupe service ps`, or SERVICE.SLOT)";
    return nullptr;
  }
  if (t->node().empty()) {
    *why = "task " + t->id() + " is not placed on any node";
    return nullptr;
  }
  if (starting && (t->state() != pb::RUNNING || t->desired_state() != pb::RUNNING)) {
    *why = "task " + t->id() + " is " + state_name(t->state())
           + ", not running: a command can run only in a running task";
    return nullptr;
  }
  return t;
}

std::string exec_request_problem(const pb::ExecRequest& req, const input_limits& limits) {
  if (req.session() == 0) {
    if (req.command_size() == 0 || req.command(0).empty())
      return "give the command to run after the task (troupe exec TASK -- CMD...)";
    if (static_cast<uint32_t>(req.command_size()) > limits.max_command_args)
      return "the command has " + std::to_string(req.command_size())
             + " arguments; at most " + std::to_string(limits.max_command_args)
             + " are allowed";
    uint64_t bytes = 0;
    for (const auto& a : req.command())
      bytes += a.size();
    if (bytes > limits.max_command_bytes)
      return "the command's arguments take " + std::to_string(bytes)
             + " bytes; at most " + std::to_string(limits.max_command_bytes)
             + " are allowed";
  }
  if (req.input().size() > max_exec_input_bytes)
    return "one exec round carries at most " + std::to_string(max_exec_input_bytes)
           + " bytes of input, not " + std::to_string(req.input().size());
  if (req.wait_ms() > max_exec_wait_ms)
    return "an exec round waits at most " + std::to_string(max_exec_wait_ms)
           + " ms for output, not " + std::to_string(req.wait_ms());
  if (req.rows() > 65535 || req.cols() > 65535)
    return "a terminal has at most 65535 rows and columns";
  if (req.signal() < 0 || req.signal() > 64)
    return "signal " + std::to_string(req.signal()) + " does not exist";
  return "";
}

} // namespace troupe
