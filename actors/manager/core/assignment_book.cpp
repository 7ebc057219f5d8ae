#include "actors/manager/core/assignment_book.hpp"

#include "actors/network/core/vip.hpp"

namespace troupe {

namespace {

/// Service addresses by stack, read once per stack per call.
class addresses {
public:
  explicit addresses(const cluster_state& view) : view_(view) {}

  /// A copy of `task` with its stack's service addresses.
  pb::Task sendable(const pb::Task& task) {
    pb::Task out = task;
    const auto& stack = task.spec().stack();
    auto a = by_stack_.find(stack);
    if (a == by_stack_.end())
      a = by_stack_.emplace(stack, network::service_addresses(
                                     view_.services_of(stack))).first;
    for (const auto& [env, addr] : a->second)
      (*out.mutable_service_addrs())[env] = addr;
    return out;
  }

private:
  const cluster_state& view_;
  std::map<std::string, std::map<std::string, std::string>> by_stack_;
};

} // namespace

bool is_assigned(const pb::Task& task) {
  return !task.node().empty() && task.state() >= pb::ASSIGNED
         && !is_terminal(task.state());
}

pb::Assignments assignment_book::full(const cluster_state& view,
                                      const std::string& node) {
  forget(node);
  visited_ = 0;
  pb::Assignments out;
  out.set_node(node);
  out.set_index(view.index());
  out.set_full(true);
  auto& list = nodes_[node];
  list.index = view.index();
  addresses addrs(view);
  for (const auto* task : view.tasks_on(node)) {
    ++visited_;
    if (!is_assigned(*task))
      continue;
    *out.add_tasks() = addrs.sendable(*task);
    list.desired[task->id()] = task->desired_state();
    node_of_[task->id()] = node;
  }
  return out;
}

std::map<std::string, pb::Assignments>
assignment_book::deltas(const cluster_state& view,
                        const std::set<std::string>& touched) {
  visited_ = 0;
  std::map<std::string, pb::Assignments> out;
  auto delta_of = [&](const std::string& node) -> pb::Assignments& {
    auto i = out.find(node);
    if (i != out.end())
      return i->second;
    auto& a = out[node];
    a.set_node(node);
    a.set_index(view.index());
    a.set_base_index(nodes_[node].index);
    return a;
  };
  addresses addrs(view);
  for (const auto& id : touched) {
    ++visited_;
    const auto* task = view.find_task(id);
    std::string now = task && is_assigned(*task) ? task->node() : "";
    auto was = node_of_.find(id);
    if (was != node_of_.end() && was->second != now) {  // left its node
      delta_of(was->second).add_removed(id);
      nodes_[was->second].desired.erase(id);
      node_of_.erase(was);
    }
    if (now.empty() || nodes_.count(now) == 0)
      continue;
    auto& desired = nodes_[now].desired;
    auto d = desired.find(id);
    if (d != desired.end() && d->second == task->desired_state())
      continue;  // nothing the worker acts on changed
    desired[id] = task->desired_state();
    node_of_[id] = now;
    *delta_of(now).add_tasks() = addrs.sendable(*task);
  }
  for (auto& [node, a] : out)
    nodes_[node].index = view.index();
  return out;
}

void assignment_book::forget(const std::string& node) {
  auto i = nodes_.find(node);
  if (i == nodes_.end())
    return;
  for (const auto& [id, desired] : i->second.desired)
    node_of_.erase(id);
  nodes_.erase(i);
}

void assignment_book::clear() {
  nodes_.clear();
  node_of_.clear();
}

} // namespace troupe
