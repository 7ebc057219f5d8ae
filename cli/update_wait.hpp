// Waiting for a rolling update or rollback (`service update`, `service
// rollback`): the service's replicated update status is polled (service
// inspect every 250ms) and each change of its progress printed once.
// evaluate_update is the pure decision: finished? succeeded? which line?
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/converge_wait.hpp"
#include "messages/troupe.pb.h"

namespace troupe::cli {

/// The update status for `service inspect`: "" when there was none, else
/// e.g. "updating (1/3 updated, started 4s ago)", "paused: REASON",
/// "completed 2m ago (3 updated)", "rolled back: REASON".
std::string update_status_text(const pb::UpdateStatus& status, int64_t now_ms);

struct update_progress {
  bool finished = false;   // nothing more will happen without the user
  bool ok = false;         // finished as asked (completed, or rolled back
                           // when a rollback was asked)
  std::string line;        // "demo_web: updating: 1/3 updated"
  std::string error;       // one sentence when finished and not ok
};

/// What the summary says of an update (`rollback` = a rollback was asked).
update_progress evaluate_update(const pb::ServiceSummary& summary,
                                bool rollback, int64_t now_ms);

/// Polls until the update of `service` finishes (true when as asked), the
/// timeout passes or the user interrupts (false, *error = one sentence).
bool wait_for_update(const wait_options& options, const std::string& service,
                     bool rollback, std::ostream& out, std::string* error);

} // namespace troupe::cli

namespace troupe::cli {

/// The flags of `service update` as typed.
struct update_flags {
  std::string service;
  std::string image;
  std::string command;                  // shell-like words ("" = unchanged)
  std::vector<std::string> env;         // K=V
  std::vector<std::string> env_rm;      // K
  std::string replicas;                 // "" = unchanged
  std::string parallelism, delay, monitor, order, failure_action,
    max_failure_ratio;
  bool force = false;
};

/// The request the flags stand for, or false with *error (one sentence).
bool build_update_request(const update_flags& flags,
                          pb::ServiceUpdateRequest* out, std::string* error);

/// Splits a command line into words: blanks separate, '...' and "..." quote.
bool split_words(const std::string& text, std::vector<std::string>* out,
                 std::string* error);

/// Adds `service update` and `service rollback` to the service command.
void register_update_commands(CLI::App* service, int* exit_code);

} // namespace troupe::cli
