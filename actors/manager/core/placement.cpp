// place(): the scheduler's filters and ranking (see placement.hpp).
#include "actors/manager/core/placement.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "actors/manager/core/cluster_state.hpp"
#include "config/constraint.hpp"
#include "config/image_ref.hpp"
#include "config/units.hpp"
#include "config/volume_name.hpp"

namespace troupe {
namespace {

// What is already reserved on one node.
struct usage {
  double cpus = 0;
  int64_t memory = 0;
  std::set<uint32_t> ports;
  size_t total = 0;

  void add(const pb::ServiceSpec& spec,
           const google::protobuf::Map<std::string, uint32_t>& host_ports) {
    cpus += spec.resources().cpus();
    memory += spec.resources().memory_bytes();
    for (auto& [name, port] : host_ports)
      ports.insert(port);
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

// True if `node` can ever take tasks of `spec` (state, availability,
// driver, image, constraints); otherwise records why not.
bool fits_statically(const pb::Node& node, const pb::ServiceSpec& spec,
                     const std::vector<constraint>& constraints, rejections& why) {
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
  if (!allows_binds(node, spec))
    return why.add("does not allow its bind volumes (bind_prefixes)",
                   "do not allow its bind volumes (bind_prefixes)"), false;
  for (auto& c : constraints)
    if (!c.matches(node))
      return why.add("does not meet " + c.to_string(),
                     "do not meet " + c.to_string()), false;
  return true;
}

// True if what `node` has left (cpus, memory, host ports) takes one more
// task of `spec`; otherwise records why not (`why` null: only the answer).
bool has_room(const pb::Node& node, const pb::ServiceSpec& spec, const usage& u,
              rejections* why) {
  double cpus = spec.resources().cpus();
  if (node.cpus() > 0 && cpus > 0 && cpus > node.cpus() - u.cpus + 1e-9)
    return why && (why->add("lacks cpus", "lack cpus",
                            " (needs " + format_cpus(cpus) + ", "
                              + format_cpus(std::max(0.0, node.cpus() - u.cpus))
                              + " free)"), false);
  int64_t mem = spec.resources().memory_bytes();
  if (node.memory_bytes() > 0 && mem > 0 && mem > node.memory_bytes() - u.memory)
    return why && (why->add("lacks memory", "lack memory",
                            " (needs " + format_size_bytes(mem) + ", "
                              + format_size_bytes(std::max<int64_t>(
                                0, node.memory_bytes() - u.memory))
                              + " free)"), false);
  size_t ports = static_cast<size_t>(spec.ports_size());
  if (ports > 0 && free_ports(node, u, ports).size() < ports)
    return why && (why->add("lacks free host ports", "lack free host ports",
                            " (needs " + std::to_string(ports) + ")"), false);
  return true;
}

std::string port_key(const pb::PortSpec& p) {
  return p.name().empty() ? std::to_string(p.target()) : p.name();
}

/// The nodes, sorted by name, and what the placement so far reserved on
/// each: one entry per node, found by index, so a task's scan of the nodes
/// touches no strings and no maps.
struct placement_book {
  std::vector<const pb::Node*> nodes;
  std::unordered_map<std::string, uint32_t> index;
  std::vector<usage> used;
  // Live tasks of each service per node (the spread), made when first needed.
  std::unordered_map<std::string, std::vector<uint32_t>> per_service;
  const persistent_map<pb::Volume>* volumes = nullptr;
  // Local volumes with no record yet, homed by a task placed in this call.
  std::unordered_map<std::string, std::string> placed_volumes;

  std::vector<uint32_t>& of_service(const std::string& service) {
    auto& v = per_service[service];
    v.resize(nodes.size());
    return v;
  }
};

/// The nodes a spec could ever run on (index order), its constraints parsed
/// once; `error` when one does not parse.
struct spec_fit {
  std::vector<constraint> constraints;
  std::vector<uint32_t> nodes;
  std::string error;
};

/// What fit_of reads of a spec, as one string.
std::string static_key(const pb::ServiceSpec& spec) {
  std::string key = spec.driver() + '\0' + spec.image() + '\0' + spec.rootfs();
  for (const auto& c : spec.constraints())
    key += '\0' + c;
  for (const auto& m : spec.mounts())
    if (m.spec().driver() == "bind")
      key += '\0' + m.spec().path();
  return key;
}

spec_fit fit_of(const pb::ServiceSpec& spec, const placement_book& book) {
  spec_fit out;
  for (auto& text : spec.constraints()) {
    auto c = parse_constraint(text, &out.error);
    if (!c)
      return out;
    out.constraints.push_back(*c);
  }
  rejections ignored;
  for (uint32_t i = 0; i < book.nodes.size(); ++i)
    if (fits_statically(*book.nodes[i], spec, out.constraints, ignored))
      out.nodes.push_back(i);
  return out;
}

/// Why no node takes `task`, in plain words (the slow path: every node
/// checked again, each reason counted).
std::string why_nowhere(const pb::Task& task, const spec_fit& fit,
                        const placement_book& book) {
  rejections why;
  size_t considered = 0;
  for (uint32_t i = 0; i < book.nodes.size(); ++i) {
    const auto& node = *book.nodes[i];
    if (!task.node().empty() && node.name() != task.node())
      continue;
    ++considered;
    if (fits_statically(node, task.spec(), fit.constraints, why))
      has_room(node, task.spec(), book.used[i], &why);
  }
  bool image_only = why.reasons.size() == 1
                    && why.reasons[0].one == "does not hold image " + task.spec().image();
  if (considered == 0 && !task.node().empty())
    return "no suitable node: node " + task.node() + " is not known";
  if (image_only)
    return "no node holds image " + task.spec().image() + " ("
           + std::to_string(considered) + (considered == 1 ? " node" : " nodes")
           + " checked; build or load it into each node's images_dir)";
  return why.message(considered);
}

/// Where a task's local volumes draw it: the node of the first one that
/// exists (pinned ones first); `error` when two pinned ones are on
/// different nodes.
struct volume_home {
  std::string node, volume, error;
  bool pinned = false;
};

volume_home home_of(const pb::Task& task, const placement_book& book) {
  volume_home home;
  for (const auto& m : task.spec().mounts()) {
    auto name = volume_name(task, m);
    if (name.empty())
      continue;
    std::string node;
    if (const auto* v = book.volumes ? book.volumes->get(name) : nullptr)
      node = v->node();
    else if (auto p = book.placed_volumes.find(name); p != book.placed_volumes.end())
      node = p->second;
    if (node.empty())
      continue;
    bool pinned = !m.spec().unpinned();
    if (home.pinned && pinned && node != home.node) {
      home.error = "its volumes " + home.volume + " (on node " + home.node + ") and "
                   + name + " (on node " + node + ") are on different nodes";
      return home;
    }
    if (home.node.empty() || (pinned && !home.pinned))
      home = {node, name, "", pinned};
  }
  return home;
}

/// Why the node that holds a task's pinned volume cannot take it now:
/// "it is not ready", "it lacks memory (needs 1GiB, 256MiB free)", ...
std::string why_not_home(const std::string& name, const pb::ServiceSpec& spec,
                         const spec_fit& fit, const placement_book& book) {
  auto at = book.index.find(name);
  if (at == book.index.end())
    return "it is not known";
  rejections why;
  const auto& node = *book.nodes[at->second];
  if (fits_statically(node, spec, fit.constraints, why))
    has_room(node, spec, book.used[at->second], &why);
  if (why.reasons.empty())
    return "it cannot take it";
  return "it " + why.reasons[0].one + why.reasons[0].detail;
}

/// Records the task's new local volumes as homed on `node` for later tasks.
void note_volumes(const pb::Task& task, const std::string& node, placement_book& book) {
  if (task.spec().mounts().empty())
    return;
  pb::Task placed = task;  // a global task's volume is named by its node
  placed.set_node(node);
  for (const auto& m : task.spec().mounts()) {
    auto name = volume_name(placed, m);
    if (!name.empty() && !(book.volumes && book.volumes->get(name)))
      book.placed_volumes.emplace(name, node);
  }
}

pb::TaskAssignment place_one(const pb::Task& task, const spec_fit& fit,
                             placement_book& book) {
  pb::TaskAssignment out;
  out.set_task_id(task.id());
  if (!fit.error.empty()) {
    out.set_message("cannot be placed: " + fit.error);
    return out;
  }
  auto home = home_of(task, book);
  if (!home.error.empty()) {
    out.set_message("cannot be placed: " + home.error);
    return out;
  }
  const auto& spec = task.spec();
  auto& spread = book.of_service(task.service());
  int64_t best = -1;
  auto better = [&](uint32_t i) {  // rank: spread, then fewest tasks, then name
    auto b = static_cast<uint32_t>(best);
    return spread[i] != spread[b] ? spread[i] < spread[b]
                                  : book.used[i].total < book.used[b].total;
  };
  auto fits_on = [&](const std::string& name) -> int64_t {
    auto at = book.index.find(name);
    if (at != book.index.end()
        && std::binary_search(fit.nodes.begin(), fit.nodes.end(), at->second)
        && has_room(*book.nodes[at->second], spec, book.used[at->second], nullptr))
      return at->second;
    return -1;
  };
  if (!task.node().empty()) {  // a global task's node, chosen already
    best = fits_on(task.node());
  } else if (!home.node.empty() && (best = fits_on(home.node)) >= 0) {
    // its volume's node
  } else if (home.pinned) {
    auto why = why_not_home(home.node, task.spec(), fit, book);
    out.set_message("waiting for node " + home.node + ", which holds its volume "
                    + home.volume + ": " + why);
    return out;
  } else {
    for (auto i : fit.nodes)
      if ((best < 0 || better(i)) && has_room(*book.nodes[i], spec, book.used[i], nullptr))
        best = i;
  }
  if (best < 0) {
    out.set_message(why_nowhere(task, fit, book));
    return out;
  }
  auto b = static_cast<uint32_t>(best);
  const auto& node = *book.nodes[b];
  usage& u = book.used[b];
  auto ports = free_ports(node, u, spec.ports_size());
  for (int i = 0; i < spec.ports_size(); ++i)
    (*out.mutable_host_ports())[port_key(spec.ports(i))] = ports[i];
  out.set_node(node.name());
  if (!home.node.empty() && home.node == node.name())
    out.set_message("assigned to node " + node.name() + ", which holds its volume "
                    + home.volume);
  else
    out.set_message("assigned to node " + node.name());
  note_volumes(task, node.name(), book);
  u.add(spec, out.host_ports());
  ++spread[b];
  return out;
}

} // namespace

bool needs_image(const pb::ServiceSpec& spec) {
  return spec.driver() == "oci" && !spec.image().empty() && spec.rootfs().empty();
}

bool allows_binds(const pb::Node& node, const pb::ServiceSpec& spec) {
  for (const auto& m : spec.mounts()) {
    if (m.spec().driver() != "bind")
      continue;
    const auto& path = m.spec().path();
    bool allowed = false;
    for (const auto& prefix : node.bind_prefixes()) {
      auto p = prefix;
      while (p.size() > 1 && p.back() == '/')
        p.pop_back();
      if (path == p || (path.compare(0, p.size(), p) == 0 && path.size() > p.size()
                        && path[p.size()] == '/'))
        allowed = true;
    }
    if (!allowed)
      return false;
  }
  return true;
}

bool node_holds_image(const pb::Node& node, const pb::ServiceSpec& spec) {
  if (!needs_image(spec))
    return true;
  return !find_image(node.images(), spec.image()).empty();
}

std::vector<pb::TaskAssignment> place(const placement_input& in) {
  placement_book book;
  book.volumes = in.volumes;
  book.nodes = in.nodes;
  std::sort(book.nodes.begin(), book.nodes.end(),
            [](auto* a, auto* b) { return a->name() < b->name(); });
  book.used.resize(book.nodes.size());
  for (uint32_t i = 0; i < book.nodes.size(); ++i)
    book.index.emplace(book.nodes[i]->name(), i);
  for (auto* t : in.live_tasks) {
    if (t->node().empty() || is_terminal(t->state()))
      continue;
    auto at = book.index.find(t->node());
    if (at == book.index.end())
      continue;  // on a node that is gone: it reserves nothing anywhere
    book.used[at->second].add(t->spec(), t->host_ports());
    ++book.of_service(t->service())[at->second];
  }
  // One static fit per set of what it depends on (tasks of one spec share it).
  std::unordered_map<std::string, spec_fit> fits;
  std::vector<pb::TaskAssignment> out;
  out.reserve(in.pending.size());
  for (auto* task : in.pending) {
    auto f = fits.find(static_key(task->spec()));
    if (f == fits.end())
      f = fits.emplace(static_key(task->spec()), fit_of(task->spec(), book)).first;
    out.push_back(place_one(*task, f->second, book));
  }
  return out;
}

} // namespace troupe
