// One problem found in a TOML file: where it is and what is wrong.
// Loaders collect every error of a file before reporting, so a user sees all
// of them at once ("stack.toml:7:12: services.web.replicas: must be >= 0").
#pragma once

#include <string>
#include <vector>

namespace troupe {

struct config_error {
  std::string file;     // path as given by the user
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string key;      // full key path, e.g. "services.web.restart.delay"
  std::string message;  // what is wrong, in plain words

  /// "file:line:column: key: message" (parts that are unknown are left out).
  std::string to_string() const;
};

/// Every error on its own line.
/// Every error on its own line, each ending with a newline.
std::string to_string(const std::vector<config_error>& errors);

/// Orders errors by line, then column (file-level errors, line 0, first).
void sort_by_position(std::vector<config_error>* errors);

} // namespace troupe
