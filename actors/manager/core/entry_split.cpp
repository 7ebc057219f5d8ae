#include "actors/manager/core/entry_split.hpp"

namespace troupe {

std::vector<pb::Entry> split_entry(pb::Entry entry, size_t max_bytes) {
  std::vector<pb::Entry> parts;
  if (entry.ByteSizeLong() <= max_bytes) {
    parts.push_back(std::move(entry));
    return parts;
  }
  pb::Entry shell = entry;
  shell.clear_changes();
  size_t bytes = 0;
  for (auto& c : *entry.mutable_changes()) {
    size_t size = c.ByteSizeLong();
    if (parts.empty() || (bytes + size > max_bytes && parts.back().changes_size() > 0)) {
      parts.push_back(shell);
      bytes = 0;
    }
    bytes += size;
    *parts.back().add_changes() = std::move(c);
  }
  return parts;
}

} // namespace troupe
