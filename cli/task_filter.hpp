// `--filter KEY=VALUE` of `service ps`, `stack ps` and `node ps`, as
// docker's: desired-state=, state= and node=; several values of one key
// match any of them, different keys must all match. Pure.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "messages/troupe.pb.h"

namespace troupe::cli {

struct task_filter {
  std::set<std::string> desired;  // task_state_name of desired_state
  std::set<std::string> state;    // task_state_name of state
  std::set<std::string> node;     // node names
};

/// At most this many --filter flags.
constexpr std::size_t max_filters = 32;

/// {"desired-state=running", "node=n1"} -> *out. False with one sentence for
/// an unknown key, a missing "=", an unknown state name, or too many filters.
bool parse_task_filters(const std::vector<std::string>& args, task_filter* out,
                        std::string* error);

/// True when `task` passes every key of `filter`.
bool task_matches(const task_filter& filter, const pb::Task& task);

/// `text` cut to `width` characters ("..." at the end) unless it fits.
std::string truncated(const std::string& text, std::size_t width);

} // namespace troupe::cli
