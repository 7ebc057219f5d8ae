// Stack files (TOML) -> pb::StackSpec. Strict: an unknown key, a wrong type,
// a bad duration or size, a negative count, a duplicate name: each is an
// error with file:line:column and the full key path; all are reported at once.
// Defaults are filled in, so what is stored shows what will run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/limits.hpp"
#include "messages/troupe.pb.h"

namespace troupe {

struct stack_load_result {
  pb::StackSpec stack;
  std::vector<config_error> errors;
  bool ok() const { return errors.empty(); }
};

/// Reads and validates a stack file. A missing or unreadable file is an error.
stack_load_result load_stack_file(const std::string& path);

/// Parses and validates stack TOML text; `source` names it in errors.
stack_load_result parse_stack(std::string_view text, const std::string& source);

/// Semantic checks of a spec that arrived over the API (no positions known):
/// names, counts, drivers, modes, constraints, ports, policies. Each string is
/// one sentence naming the key path. Empty = valid. parse_stack applies it too.
std::vector<std::string> validate_stack_spec(const pb::StackSpec& stack,
                                             const input_limits& limits = {});

/// Fills what a spec built by hand leaves empty with the defaults a stack
/// file would get: driver "process", mode "replicated", protocol "tcp",
/// missing restart/update/rollback policies, and empty names of conditions,
/// failure actions and orders. Numbers are left alone (0 may be meant).
void fill_stack_defaults(pb::StackSpec* stack);

/// Copies each stack volume's spec into the mounts that name it (a task
/// carries what it mounts); an unknown volume is left for validation.
void resolve_mounts(pb::StackSpec* stack);

/// The inverse, for a stack rebuilt from its stored services: declares each
/// volume the services' mounts carry (once per name) under stack->volumes.
void declare_mounted_volumes(pb::StackSpec* stack);

} // namespace troupe
