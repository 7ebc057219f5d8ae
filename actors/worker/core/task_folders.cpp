#include "actors/worker/core/task_folders.hpp"

#include <algorithm>

namespace troupe {

std::string slot_of(const std::string& task_id) {
  auto dot = task_id.rfind('.');
  return dot == std::string::npos ? task_id : task_id.substr(0, dot);
}

std::vector<std::string> task_folder_history::ended(const std::string& id) {
  auto& slot = by_slot_[slot_of(id)];
  if (std::find(slot.begin(), slot.end(), id) != slot.end())
    return {};
  slot.push_back(id);
  ++size_;
  std::vector<std::string> gone;
  while (slot.size() > limit_) {
    gone.push_back(std::move(slot.front()));
    slot.pop_front();
    --size_;
  }
  return gone;
}

void task_folder_history::running(const std::string& id) {
  auto s = by_slot_.find(slot_of(id));
  if (s == by_slot_.end())
    return;
  auto i = std::find(s->second.begin(), s->second.end(), id);
  if (i != s->second.end()) {
    s->second.erase(i);
    --size_;
  }
  if (s->second.empty())
    by_slot_.erase(s);
}

std::vector<const task_folder*>
prunable_folders(const std::vector<task_folder>& folders,
                 const std::function<bool(const std::string&)>& live,
                 int64_t until_ms) {
  std::vector<const task_folder*> out;
  for (const auto& f : folders)
    if (!f.has_container && f.modified_ms < until_ms && !live(f.name))
      out.push_back(&f);
  return out;
}

} // namespace troupe
