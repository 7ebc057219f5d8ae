// Placement constraints: "node.labels.zone == eu", "node.role != manager",
// "node.name == w1", "node.hostname == host". Parsed once, matched against a
// node by the scheduler and the reconciler (global mode).
#pragma once

#include <optional>
#include <string>

#include "messages/troupe.pb.h"

namespace troupe {

struct constraint {
  std::string attribute;  // "node.name" | "node.role" | "node.hostname" | "node.labels.<key>"
  bool equal = true;      // == or !=
  std::string value;

  /// Whether `node` satisfies this constraint (a missing label never equals).
  bool matches(const pb::Node& node) const;
  /// Back to text: "node.labels.zone == eu".
  std::string to_string() const;
};

/// The constraint, or nullopt with *error set to one sentence.
std::optional<constraint> parse_constraint(const std::string& text,
                                           std::string* error);

} // namespace troupe
