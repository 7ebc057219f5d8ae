// Internal to config/: the one set of semantic rules for stacks, shared by
// validate_stack_spec (API input) and parse_stack (files), and the defaults
// every spec is filled with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/limits.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

/// One problem: the full key path ("services.web.replicas") and what is wrong.
struct spec_issue {
  std::string key;
  std::string message;
};

/// Every semantic problem of `stack`, in order, `limits` included.
std::vector<spec_issue> check_stack_spec(const pb::StackSpec& stack,
                                         const input_limits& limits = {});

/// Stack and service names: [a-z0-9][a-z0-9-]*, at most 32 characters.
bool valid_stack_name(std::string_view name);

pb::RestartPolicy default_restart_policy();
pb::UpdatePolicy default_update_policy();
pb::HealthCheck default_health_check();

} // namespace troupe
