#include "config/config_error.hpp"

#include <algorithm>
#include <tuple>

namespace troupe {

std::string config_error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':' + std::to_string(line);
      if (column > 0)
        out += ':' + std::to_string(column);
    }
    out += ": ";
  }
  if (!key.empty())
    out += key + ": ";
  out += message;
  return out;
}

std::string to_string(const std::vector<config_error>& errors) {
  std::string out;
  for (const auto& e : errors)
    out += e.to_string() + '\n';
  return out;
}

void sort_by_position(std::vector<config_error>* errors) {
  std::stable_sort(errors->begin(), errors->end(),
                   [](const config_error& a, const config_error& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
}

} // namespace troupe
