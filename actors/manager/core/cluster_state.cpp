// Queries, snapshots and state names of cluster_state (apply() lives in
// cluster_state_apply.cpp).
#include "actors/manager/core/cluster_state.hpp"

#include <algorithm>
#include <cctype>

namespace troupe {

bool is_terminal(pb::TaskState state) {
  return state >= pb::COMPLETE;
}

std::string state_name(pb::TaskState state) {
  std::string name = pb::TaskState_Name(state);
  if (name.empty())
    return "unknown";
  for (auto& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

const pb::Service* cluster_state::find_service(const std::string& name) const {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : &it->second;
}

const pb::Task* cluster_state::find_task(const std::string& id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &it->second;
}

const pb::Node* cluster_state::find_node(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<const pb::Task*>
cluster_state::tasks_of(const std::string& service) const {
  std::vector<const pb::Task*> out;
  for (auto& [id, task] : tasks_)
    if (task.service() == service)
      out.push_back(&task);
  std::sort(out.begin(), out.end(), [](const pb::Task* a, const pb::Task* b) {
    if (a->slot() != b->slot())
      return a->slot() < b->slot();
    if (a->node() != b->node())
      return a->node() < b->node();
    if (a->created_at() != b->created_at())
      return a->created_at() < b->created_at();
    return a->id() < b->id();
  });
  return out;
}

pb::ClusterSnapshot cluster_state::snapshot() const {
  pb::ClusterSnapshot snap;
  snap.set_index(index_);
  for (auto& [key, x] : stacks_)
    *snap.add_stacks() = x;
  for (auto& [key, x] : services_)
    *snap.add_services() = x;
  for (auto& [key, x] : tasks_)
    *snap.add_tasks() = x;
  for (auto& [key, x] : nodes_)
    *snap.add_nodes() = x;
  return snap;
}

void cluster_state::restore(const pb::ClusterSnapshot& snap) {
  stacks_.clear();
  services_.clear();
  tasks_.clear();
  nodes_.clear();
  for (auto& x : snap.stacks())
    put(x);
  for (auto& x : snap.services())
    put(x);
  for (auto& x : snap.tasks())
    put(x);
  for (auto& x : snap.nodes())
    put(x);
  index_ = snap.index();
}

} // namespace troupe
