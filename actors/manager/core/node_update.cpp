// Node updates: validation and application (see node_update.hpp).
#include "actors/manager/core/node_update.hpp"

#include <algorithm>
#include <cctype>

namespace troupe {

bool valid_label_key(const std::string& key) {
  return !key.empty()
         && std::none_of(key.begin(), key.end(), [](unsigned char c) {
              return std::isspace(c) != 0;
            });
}

std::string node_update_problem(const pb::NodeUpdate& u) {
  if (u.name().empty())
    return "the node update names no node";
  const auto& a = u.availability();
  if (!a.empty() && a != "active" && a != "drain")
    return "availability '" + a + "' is not one of active, drain";
  for (const auto& [key, value] : u.labels_add())
    if (!valid_label_key(key))
      return "label key '" + key + "' must be non-empty and without spaces";
  for (const auto& key : u.labels_rm()) {
    if (!valid_label_key(key))
      return "label key '" + key + "' must be non-empty and without spaces";
    if (u.labels_add().count(key) > 0)
      return "label '" + key + "' is both added and removed";
  }
  if (a.empty() && u.labels_add().empty() && u.labels_rm().empty())
    return "the node update changes nothing";
  return "";
}

bool apply_node_update(const pb::NodeUpdate& u, pb::Node* node) {
  if (!node_update_problem(u).empty() || node->name() != u.name())
    return false;
  bool changed = false;
  if (!u.availability().empty() && u.availability() != node->availability()) {
    node->set_availability(u.availability());
    changed = true;
  }
  auto& labels = *node->mutable_labels();
  for (const auto& [key, value] : u.labels_add()) {
    auto it = labels.find(key);
    if (it != labels.end() && it->second == value)
      continue;
    labels[key] = value;
    changed = true;
  }
  for (const auto& key : u.labels_rm())
    changed = labels.erase(key) > 0 || changed;
  return changed;
}

} // namespace troupe
