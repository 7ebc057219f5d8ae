// place(): the scheduler's filters and ranking (see placement.hpp).
#include "actors/manager/core/placement.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "actors/manager/core/cluster_state.hpp"
#include "config/constraint.hpp"
#include "config/image_ref.hpp"
#include "config/units.hpp"

namespace troupe {
namespace {

// What is already reserved on one node.
struct usage {
  double cpus = 0;
  int64_t memory = 0;
  std::set<uint32_t> ports;
  std::map<std::string, size_t> per_service;
  size_t total = 0;

  void add(const pb::Task& t) {
    cpus += t.spec().resources().cpus();
    memory += t.spec().resources().memory_bytes();
    for (auto& [name, port] : t.host_ports())
      ports.insert(port);
    ++per_service[t.service()];
    ++total;
  }
};

std::string format_cpus(double cpus) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", cpus);
  return buf;
}

// Why nodes were filtered out: one line per reason, counted.
struct rejections {
  struct reason {
    std::string one, many, detail;
    size_t count = 0;
  };
  std::vector<reason> reasons;

  void add(const std::string& one, const std::string& many,
           const std::string& detail = {}) {
    for (auto& r : reasons)
      if (r.one == one && r.detail == detail) {
        ++r.count;
        return;
      }
    reasons.push_back({one, many, detail, 1});
  }

  std::string message(size_t nodes) const {
    if (nodes == 0)
      return "no suitable node: the cluster has no nodes";
    std::string out = "no suitable node (" + std::to_string(nodes)
                      + (nodes == 1 ? " node): " : " nodes): ");
    for (size_t i = 0; i < reasons.size(); ++i) {
      auto& r = reasons[i];
      out += (i ? "; " : "") + std::to_string(r.count) + " "
             + (r.count == 1 ? r.one : r.many) + r.detail;
    }
    return out;
  }
};

bool runs_driver(const pb::Node& node, const std::string& driver) {
  if (node.drivers().empty() || driver.empty())
    return true;
  std::string list = "," + node.drivers() + ",";
  return list.find("," + driver + ",") != std::string::npos;
}

std::vector<uint32_t> free_ports(const pb::Node& node, const usage& u,
                                 size_t needed) {
  std::vector<uint32_t> out;
  if (needed == 0 || node.port_min() == 0 || node.port_max() < node.port_min())
    return out;
  for (uint64_t p = node.port_min(); p <= node.port_max(); ++p) {
    if (u.ports.count(static_cast<uint32_t>(p)) == 0)
      out.push_back(static_cast<uint32_t>(p));
    if (out.size() == needed)
      break;
  }
  return out;
}

// True if `node` can take `task`; otherwise records why not.
bool fits(const pb::Node& node, const pb::Task& task,
          const std::vector<constraint>& constraints, const usage& u,
          rejections& why) {
  const auto& spec = task.spec();
  if (node.state() != "ready")
    return why.add("is not ready", "are not ready"), false;
  if (node.availability() != "active")
    return why.add("is drained", "are drained"), false;
  if (!runs_driver(node, spec.driver()))
    return why.add("does not run the " + spec.driver() + " driver",
                   "do not run the " + spec.driver() + " driver"), false;
  if (!node_holds_image(node, spec))
    return why.add("does not hold image " + spec.image(),
                   "do not hold image " + spec.image()), false;
  for (auto& c : constraints)
    if (!c.matches(node))
      return why.add("does not meet " + c.to_string(),
                     "do not meet " + c.to_string()), false;
  double cpus = spec.resources().cpus();
  if (node.cpus() > 0 && cpus > 0 && cpus > node.cpus() - u.cpus + 1e-9)
    return why.add("lacks cpus", "lack cpus",
                   " (needs " + format_cpus(cpus) + ", "
                     + format_cpus(std::max(0.0, node.cpus() - u.cpus))
                     + " free)"), false;
  int64_t mem = spec.resources().memory_bytes();
  if (node.memory_bytes() > 0 && mem > 0 && mem > node.memory_bytes() - u.memory)
    return why.add("lacks memory", "lack memory",
                   " (needs " + format_size_bytes(mem) + ", "
                     + format_size_bytes(std::max<int64_t>(
                       0, node.memory_bytes() - u.memory))
                     + " free)"), false;
  size_t ports = static_cast<size_t>(spec.ports_size());
  if (ports > 0 && free_ports(node, u, ports).size() < ports)
    return why.add("lacks free host ports", "lack free host ports",
                   " (needs " + std::to_string(ports) + ")"), false;
  return true;
}

std::string port_key(const pb::PortSpec& p) {
  return p.name().empty() ? std::to_string(p.target()) : p.name();
}

pb::TaskAssignment place_one(const pb::Task& task,
                             const std::vector<const pb::Node*>& nodes,
                             std::map<std::string, usage>& used) {
  pb::TaskAssignment out;
  out.set_task_id(task.id());
  std::vector<constraint> constraints;
  for (auto& text : task.spec().constraints()) {
    std::string error;
    auto c = parse_constraint(text, &error);
    if (!c) {
      out.set_message("cannot be placed: " + error);
      return out;
    }
    constraints.push_back(*c);
  }
  rejections why;
  const pb::Node* best = nullptr;
  size_t considered = 0;
  auto rank = [&](const pb::Node* n) {
    usage& u = used[n->name()];
    return std::make_tuple(u.per_service[task.service()], u.total, n->name());
  };
  for (auto* node : nodes) {
    if (!task.node().empty() && node->name() != task.node())
      continue;
    ++considered;
    if (fits(*node, task, constraints, used[node->name()], why)
        && (!best || rank(node) < rank(best)))
      best = node;
  }
  if (!best) {
    bool image_only = why.reasons.size() == 1
                      && why.reasons[0].one == "does not hold image " + task.spec().image();
    if (considered == 0 && !task.node().empty())
      out.set_message("no suitable node: node " + task.node() + " is not known");
    else if (image_only)
      out.set_message("no node holds image " + task.spec().image() + " ("
                      + std::to_string(considered) + (considered == 1 ? " node" : " nodes")
                      + " checked; build or load it into each node's images_dir)");
    else
      out.set_message(why.message(considered));
    return out;
  }
  usage& u = used[best->name()];
  auto ports = free_ports(*best, u, task.spec().ports_size());
  for (int i = 0; i < task.spec().ports_size(); ++i)
    (*out.mutable_host_ports())[port_key(task.spec().ports(i))] = ports[i];
  out.set_node(best->name());
  out.set_message("assigned to node " + best->name());
  pb::Task placed = task;
  *placed.mutable_host_ports() = out.host_ports();
  u.add(placed);
  return out;
}

} // namespace

bool needs_image(const pb::ServiceSpec& spec) {
  return spec.driver() == "oci" && !spec.image().empty() && spec.rootfs().empty();
}

bool node_holds_image(const pb::Node& node, const pb::ServiceSpec& spec) {
  if (!needs_image(spec))
    return true;
  return !find_image(node.images(), spec.image()).empty();
}

std::vector<pb::TaskAssignment> place(const placement_input& in) {
  std::map<std::string, usage> used;
  for (auto* t : in.live_tasks)
    if (!t->node().empty() && !is_terminal(t->state()))
      used[t->node()].add(*t);
  std::vector<const pb::Node*> nodes = in.nodes;
  std::sort(nodes.begin(), nodes.end(),
            [](auto* a, auto* b) { return a->name() < b->name(); });
  std::vector<pb::TaskAssignment> out;
  out.reserve(in.pending.size());
  for (auto* task : in.pending)
    out.push_back(place_one(*task, nodes, used));
  return out;
}

} // namespace troupe
