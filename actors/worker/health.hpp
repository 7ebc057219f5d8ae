// Health checks of one running container, never blocking the task actor:
// health_monitor::poll (called on the task actor's 100ms poll) starts a due
// check on a detached helper thread and takes its result once it is in; the
// verdicts go through health_state (core/health_state.hpp). A check runs at
// most `timeout`; a check that has not answered by then failed.
// - tcp: connect to the task's first port (host port) on this node.
// - http: GET the path there; a 2xx or 3xx status line passes.
// - cmd: the command in the task's context (process: fork/exec with the
//   task's env and folder; oci: `runc exec`); exit 0 passes.
// - probe: a driver that decides its containers' health (sim) answers
//   instead of any of these.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/worker/core/health_state.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

struct check_result {
  bool ok = false;
  std::string message;               // why it failed ("" when ok)
};

struct health_target {
  pb::HealthCheck check;
  std::string host = "127.0.0.1";
  uint32_t port = 0;                 // tcp and http
  std::vector<std::string> argv;     // cmd: what to run (already wrapped)
  std::vector<std::string> env;      // cmd: "K=V"
  std::string working_dir;           // cmd
  std::function<check_result()> probe;  // set: answers every check
                                     // instead (a driver's simulated health)
};

/// Runs one check to completion; blocks for at most the check's timeout.
check_result run_health_check(const health_target& target);

class health_monitor {
public:
  health_monitor(health_target target, int64_t started_ms);

  /// Starts a due check, takes a finished one; the new state when it
  /// changed (nullopt otherwise).
  std::optional<std::string> poll(int64_t now_ms);

  const std::string& state() const { return state_.state(); }

  /// Why the last check failed ("" when it passed).
  const std::string& last_message() const { return message_; }

private:
  struct slot {
    std::mutex mtx;
    std::optional<check_result> result;
  };
  health_target target_;
  health_state state_;
  std::shared_ptr<slot> running_; // null while no check runs
  std::string message_;
};

} // namespace troupe
