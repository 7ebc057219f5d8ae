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

namespace {

std::string index_key(const std::string& owner, const std::string& key) {
  std::string k;
  k.reserve(owner.size() + 1 + key.size());
  k += owner;
  k += '\0';
  k += key;
  return k;
}

} // namespace

std::vector<std::string> index_keys(const cluster_state::key_index& index,
                                    const std::string& owner) {
  std::vector<std::string> out;
  auto prefix = index_key(owner, "");
  for (auto it = index.lower_bound(prefix); it != index.end(); ++it) {
    const auto& k = it->first;
    if (k.compare(0, prefix.size(), prefix) != 0)
      break;
    out.push_back(k.substr(prefix.size()));
  }
  return out;
}

void state_writer::put_task(pb::Task task) {
  if (const auto* old = s.tasks_.get(task.id())) {
    if (old->service() != task.service())
      s.tasks_by_service_.erase(index_key(old->service(), old->id()));
    if (old->node() != task.node() && !old->node().empty())
      s.tasks_by_node_.erase(index_key(old->node(), old->id()));
    if (old->service() != task.service())
      s.tasks_by_service_.set(index_key(task.service(), task.id()), {});
    if (old->node() != task.node() && !task.node().empty())
      s.tasks_by_node_.set(index_key(task.node(), task.id()), {});
  } else {
    s.tasks_by_service_.set(index_key(task.service(), task.id()), {});
    if (!task.node().empty())
      s.tasks_by_node_.set(index_key(task.node(), task.id()), {});
  }
  auto id = task.id();
  s.tasks_.set(id, std::move(task));
}

void state_writer::erase_task(const std::string& id) {
  const auto* old = s.tasks_.get(id);
  if (old == nullptr)
    return;
  s.tasks_by_service_.erase(index_key(old->service(), id));
  if (!old->node().empty())
    s.tasks_by_node_.erase(index_key(old->node(), id));
  s.tasks_.erase(id);
}

void state_writer::count_service(const pb::Service& svc, int sign) {
  if (svc.spec().mode() == "global")
    s.global_services_ += sign;
  else
    s.replicas_wanted_ += sign * static_cast<int64_t>(svc.spec().replicas());
}

void state_writer::put_service(pb::Service svc) {
  const auto& name = svc.spec().name();
  const auto* old = s.services_.get(name);
  if (old != nullptr)
    count_service(*old, -1);
  count_service(svc, +1);
  if (old != nullptr && old->spec().stack() != svc.spec().stack())
    s.services_by_stack_.erase(index_key(old->spec().stack(), name));
  if (old == nullptr || old->spec().stack() != svc.spec().stack())
    s.services_by_stack_.set(index_key(svc.spec().stack(), name), {});
  auto key = name;
  s.services_.set(key, std::move(svc));
}

void state_writer::erase_service(const std::string& name) {
  const auto* old = s.services_.get(name);
  if (old == nullptr)
    return;
  count_service(*old, -1);
  s.services_by_stack_.erase(index_key(old->spec().stack(), name));
  s.services_.erase(name);
}

void state_writer::put_stack(pb::Stack stack) {
  auto key = stack.name();  // before the move
  s.stacks_.set(key, std::move(stack));
}

void state_writer::put_node(pb::Node node) {
  auto key = node.name();
  s.nodes_.set(key, std::move(node));
}

void state_writer::put_volume(pb::Volume volume) {
  auto key = volume.name();
  s.volumes_.set(key, std::move(volume));
}

void cluster_state::put(const pb::Volume& x) { state_writer{*this}.put_volume(x); }
void cluster_state::put(const pb::Stack& x) { state_writer{*this}.put_stack(x); }
void cluster_state::put(const pb::Service& x) { state_writer{*this}.put_service(x); }
void cluster_state::put(const pb::Task& x) { state_writer{*this}.put_task(x); }
void cluster_state::put(const pb::Node& x) { state_writer{*this}.put_node(x); }

const pb::Service* cluster_state::find_service(const std::string& name) const {
  return services_.get(name);
}

const pb::Task* cluster_state::find_task(const std::string& id) const {
  return tasks_.get(id);
}

const pb::Node* cluster_state::find_node(const std::string& name) const {
  return nodes_.get(name);
}

const pb::Stack* cluster_state::find_stack(const std::string& name) const {
  return stacks_.get(name);
}

const pb::Volume* cluster_state::find_volume(const std::string& name) const {
  return volumes_.get(name);
}

uint64_t cluster_state::stack_index(const std::string& name) const {
  const auto* stack = find_stack(name);
  if (stack == nullptr)
    return 0;
  uint64_t index = stack->modify_index();
  for (const auto& svc : stack->services())
    if (const auto* s = find_service(svc))
      index = std::max(index, s->modify_index());
  return index;
}

std::vector<std::string>
cluster_state::task_ids_of(const std::string& service) const {
  return index_keys(tasks_by_service_, service);
}

namespace {

std::vector<const pb::Task*> find_all(const cluster_state::task_map& tasks,
                                      const std::vector<std::string>& ids) {
  std::vector<const pb::Task*> out;
  out.reserve(ids.size());
  for (const auto& id : ids)
    if (const auto* t = tasks.get(id))
      out.push_back(t);
  return out;
}

} // namespace

std::vector<const pb::Task*>
cluster_state::tasks_of(const std::string& service) const {
  auto out = find_all(tasks_, task_ids_of(service));
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

std::vector<const pb::Task*>
cluster_state::tasks_on(const std::string& node) const {
  return find_all(tasks_, index_keys(tasks_by_node_, node));
}

std::vector<const pb::Service*>
cluster_state::services_of(const std::string& stack) const {
  std::vector<const pb::Service*> out;
  for (const auto& name : index_keys(services_by_stack_, stack))
    if (const auto* svc = services_.get(name))
      out.push_back(svc);
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
  for (auto& [key, x] : volumes_)
    *snap.add_volumes() = x;
  return snap;
}

void cluster_state::restore(const pb::ClusterSnapshot& snap) {
  *this = cluster_state{};
  for (auto& x : snap.stacks())
    put(x);
  for (auto& x : snap.services())
    put(x);
  for (auto& x : snap.tasks())
    put(x);
  for (auto& x : snap.nodes())
    put(x);
  for (auto& x : snap.volumes())
    put(x);
  index_ = snap.index();
}

} // namespace troupe
