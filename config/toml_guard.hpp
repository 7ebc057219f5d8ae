// Internal to config/: a linear pre-scan of TOML text that refuses keys
// toml++ would recurse on without bound (a dotted key of 60,000 parts
// overflows its stack) before the parser sees them. It tokenizes only what
// it must: comments, the four string forms, and chains of key parts joined
// by dots (`a."b c".d`); a chain of more than max_key_parts parts, or a key
// (a chain followed by `=`, or a table header's name) longer than
// max_key_bytes, is a problem.
// Floats and dates make chains of 2-3 parts, far below the limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace troupe {

constexpr size_t max_key_parts = 32;
constexpr size_t max_key_bytes = 1024;

struct toml_guard_problem {
  size_t line = 0;    // 1-based; 0 = no problem
  size_t column = 0;
  std::string message;
};

/// The first over-deep or over-long key of `text`, or line 0.
toml_guard_problem scan_toml_keys(std::string_view text);

} // namespace troupe
