#include "actors/manager/core/entry_split.hpp"

namespace troupe {

std::vector<pb::Entry> split_entry(pb::Entry entry, size_t max_bytes) {
  std::vector<pb::Entry> parts;
  if (entry.ByteSizeLong() <= max_bytes) {
    parts.push_back(std::move(entry));
    return parts;
  }
  // The changes move out first, so the shell each part starts from is
  // copied without them.
  google::protobuf::RepeatedPtrField<pb::Change> changes;
  changes.Swap(entry.mutable_changes());
  const pb::Entry& shell = entry;
  size_t bytes = 0;
  for (auto& c : changes) {
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
