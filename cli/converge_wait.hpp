// Waiting for services to converge after a deploy or a scale. The decision
// ("converged? if not, why?") is the pure function evaluate_convergence over
// what the node reported; progress_tracker turns successive evaluations into
// the lines a user should see (each change once); wait_for_convergence is the
// polling loop around them (list_services every 250ms, service_ps for the
// services that are not there yet).
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::cli {

/// What the node reported about one service we wait for.
struct service_observation {
  std::string service;
  bool found = false;          // present in list_services
  uint32_t desired = 0;        // replicas_desired
  uint32_t running = 0;        // replicas_running
  uint32_t updated = 0;        // tasks_updated
  std::vector<pb::Task> tasks; // from service_ps (empty when not polled)
  std::string update_state;    // the service's rolling update ("paused", ...)
  std::string update_message;
  std::string mode;            // "replicated", "global", "replicated-job", ...
  uint64_t spec_version = 0;   // the service's current spec
  uint32_t completed = 0;      // jobs: tasks_completed
  uint32_t failed = 0;         // jobs: tasks_failed
  std::vector<pb::PortStatus> port_errors; // published ports a node could not open
};

struct progress_line {
  std::string service;
  std::string text;            // "demo_web: 2/3 running"
};

struct task_problem {
  std::string service;
  std::string key;             // task id, state and message: shown once
  std::string text;            // "demo_web.2: pending: no suitable node"
};

struct convergence {
  bool converged = false;
  std::vector<std::string> waiting;     // services not converged, in order
  std::vector<progress_line> progress;  // one per service
  std::vector<task_problem> problems;   // tasks that cannot run as desired
  std::string stuck;                    // why waiting is pointless: a rolling
                                        // update paused, a job failed, a task
                                        // ended for good, a port is taken
};

/// Converged when every service is found with running == desired,
/// updated == running (running = running and, if checked, healthy) and no
/// rolling update still going on (none, completed or rolled back); a job
/// when all its tasks completed. Stuck (the wait ends at once) when an
/// update paused, a job's task failed, the newest task of a replicated
/// slot (node) on the current spec ended for good while desired running
/// (its restart policy will not start it again), or a published port
/// could not be opened on a node. A problem is a task desired running that is pending
/// with a message, or failed/rejected.
convergence evaluate_convergence(const std::vector<service_observation>& services);

/// Builds observations from a list_services response and the tasks polled
/// per service (services missing from `list` are not found).
std::vector<service_observation> observe(
    const std::vector<std::string>& services, const pb::Response& list,
    const std::map<std::string, std::vector<pb::Task>>& tasks);

/// Remembers what was shown: new_lines returns the progress lines that
/// changed and the problems not shown before.
class progress_tracker {
public:
  std::vector<std::string> new_lines(const convergence& c);

  /// Why `service` is not converged: its latest problem ("demo_web.2:
  /// pending: ..."), else its progress without the name ("2/3 running").
  std::string reason(const std::string& service) const;

private:
  std::map<std::string, std::string> progress_;
  std::map<std::string, std::string> last_problem_;
  std::set<std::string> shown_;
};

struct wait_options {
  std::string address;
  int64_t timeout_ms = 300000;
  int64_t poll_ms = 250;
  int api_timeout_ms = 10000;
};

/// Polls until `services` converge (true) or the timeout passes or the
/// user interrupts (false, *error = one sentence). Progress goes to `out`.
bool wait_for_convergence(const wait_options& options,
                          const std::vector<std::string>& services,
                          std::ostream& out, std::string* error);

} // namespace troupe::cli
