// Compose files (the docker-compose v3 subset Swarm honours) -> the TOML of
// a troupe stack file, then read by the stack file loader: the same
// defaults and the same checks as a stack file. Every key troupe does not
// support is an error with line:column and why (docker stack deploy drops
// them silently), all reported at once, and nothing is deployed.
//
// Mapped: services.NAME.{image, command, entrypoint (prepended to command),
// environment, ports, healthcheck, labels, deploy.{replicas, mode,
// labels, resources.limits.{cpus, memory}, restart_policy, update_config,
// rollback_config, placement.constraints}}; the top-level `version` is
// ignored and `name` names the stack (default: the file's folder name).
#pragma once

#include <string>
#include <string_view>

#include "config/stack_file.hpp"

namespace troupe {

struct compose_result {
  std::string toml;                  // the equivalent stack file (when no errors)
  stack_load_result stack;           // it, loaded and validated
  bool ok() const { return stack.ok(); }
};

/// Reads compose YAML `text`; `source` names it in errors, `default_name`
/// is the stack's name when the file has no `name`.
compose_result parse_compose(std::string_view text, const std::string& source,
                             const std::string& default_name);

/// Reads a compose file; its folder's name is the default stack name.
compose_result load_compose_file(const std::string& path);

} // namespace troupe
