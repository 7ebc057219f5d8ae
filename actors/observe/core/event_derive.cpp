#include "actors/observe/core/event_derive.hpp"

#include <ctime>
#include <set>
#include <sstream>

namespace troupe::observe {

namespace {

struct emitter {
  const pb::Entry& entry;
  std::vector<pb::Event>& out;

  pb::Event& add(const std::string& type, const std::string& action,
                 const std::string& subject, const std::string& message) {
    pb::Event e;
    e.set_index(entry.index());
    e.set_time(entry.timestamp());
    e.set_type(type);
    e.set_action(action);
    e.set_subject(subject);
    e.set_message(message);
    out.push_back(std::move(e));
    return out.back();
  }
};

template <class Map>
const typename Map::mapped_type* find_in(const Map& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

void stack_events(emitter& em, const cluster_state& before,
                  const cluster_state& after, const std::string& name) {
  auto* old = find_in(before.stacks(), name);
  auto* now = find_in(after.stacks(), name);
  if (now != nullptr) {
    auto& e = em.add("stack", "deployed", name,
                     "stack " + name + (old ? " redeployed" : " deployed") + " ("
                       + std::to_string(now->services_size()) + " services)");
    (*e.mutable_attributes())["services"] = std::to_string(now->services_size());
  } else if (old != nullptr) {
    em.add("stack", "removed", name, "stack " + name + " removed");
  }
}

std::string port_key(const pb::PortStatus& p) {
  return p.node() + "|" + std::to_string(p.published()) + "|" + p.error();
}

// A published port a node could not open (port_failed), or opened after all
// (port_open).
void port_events(emitter& em, const pb::Service& old, const pb::Service& now) {
  const std::string& name = now.spec().name();
  auto keys = [](const pb::Service& s) {
    std::set<std::string> out;
    for (const auto& p : s.port_errors())
      out.insert(port_key(p));
    return out;
  };
  auto was = keys(old), is = keys(now);
  for (const auto& p : now.port_errors()) {
    if (was.count(port_key(p)) > 0)
      continue;
    auto port = std::to_string(p.published());
    auto& e = em.add("service", "port_failed", name,
                     "service " + name + ": published port " + port
                       + " cannot be opened on node " + p.node() + ": " + p.error());
    e.set_node(p.node());
    (*e.mutable_attributes())["published"] = port;
    (*e.mutable_attributes())["error"] = p.error();
  }
  for (const auto& p : old.port_errors()) {
    bool still = false;
    for (const auto& q : now.port_errors())
      still = still || (q.node() == p.node() && q.published() == p.published());
    if (still || is.count(port_key(p)) > 0)
      continue;
    auto port = std::to_string(p.published());
    auto& e = em.add("service", "port_open", name,
                     "service " + name + ": published port " + port
                       + " is open on node " + p.node());
    e.set_node(p.node());
    (*e.mutable_attributes())["published"] = port;
  }
}

void service_events(emitter& em, const cluster_state& before,
                    const cluster_state& after, const std::string& name) {
  auto* old = find_in(before.services(), name);
  auto* now = find_in(after.services(), name);
  if (now == nullptr) {
    if (old != nullptr)
      em.add("service", "removed", name, "service " + name + " removed");
    return;
  }
  auto replicas = std::to_string(now->spec().replicas());
  if (old == nullptr) {
    auto& e = em.add("service", "created", name,
                     "service " + name + " created"
                       + (now->spec().mode().empty()
                              || now->spec().mode() == "replicated"
                            ? " with " + replicas + " replicas"
                            : " (" + now->spec().mode() + ")"));
    (*e.mutable_attributes())["replicas"] = replicas;
    (*e.mutable_attributes())["spec_version"] = std::to_string(now->spec_version());
    return;
  }
  if (now->spec_version() != old->spec_version()) {
    auto& e = em.add("service", "updated", name,
                     "service " + name + " updated to spec version "
                       + std::to_string(now->spec_version()));
    (*e.mutable_attributes())["old_spec_version"] = std::to_string(old->spec_version());
    (*e.mutable_attributes())["spec_version"] = std::to_string(now->spec_version());
  }
  port_events(em, *old, *now);
  if (now->spec().replicas() != old->spec().replicas()) {
    auto& e = em.add("service", "scaled", name,
                     "service " + name + " scaled from "
                       + std::to_string(old->spec().replicas()) + " to " + replicas);
    (*e.mutable_attributes())["old_replicas"] = std::to_string(old->spec().replicas());
    (*e.mutable_attributes())["replicas"] = replicas;
  }
}

void node_events(emitter& em, const cluster_state& before,
                 const cluster_state& after, const std::string& name) {
  auto* old = find_in(before.nodes(), name);
  auto* now = find_in(after.nodes(), name);
  if (now == nullptr) {
    if (old != nullptr)
      em.add("node", "removed", name, "node " + name + " removed").set_node(name);
    return;
  }
  if (old == nullptr) {
    auto& e = em.add("node", "registered", name,
                     "node " + name + " registered (" + now->role() + ", "
                       + now->state() + ", " + now->availability() + ")");
    e.set_node(name);
    (*e.mutable_attributes())["role"] = now->role();
    return;
  }
  bool any = false;
  if (now->state() != old->state()) {
    any = true;
    auto action = now->state() == "down" ? "down" : "up";
    auto& e = em.add("node", action, name,
                     "node " + name + " is " + now->state() + " (was "
                       + old->state() + ")");
    e.set_node(name);
    (*e.mutable_attributes())["old_state"] = old->state();
    (*e.mutable_attributes())["new_state"] = now->state();
  }
  if (now->availability() != old->availability()) {
    any = true;
    auto& e = em.add("node", now->availability(), name,
                     "node " + name + " availability " + old->availability()
                       + " -> " + now->availability());
    e.set_node(name);
  }
  if (!any && std::map<std::string, std::string>(now->labels().begin(), now->labels().end())
                  != std::map<std::string, std::string>(old->labels().begin(),
                                                        old->labels().end()))
    em.add("node", "updated", name, "node " + name + " labels changed").set_node(name);
}

void task_events(emitter& em, const cluster_state& before,
                 const cluster_state& after, const std::string& id) {
  auto* old = find_in(before.tasks(), id);
  auto* now = find_in(after.tasks(), id);
  auto tag = [&](pb::Event& e, const pb::Task& t) {
    e.set_node(t.node());
    (*e.mutable_attributes())["service"] = t.service();
  };
  if (now == nullptr) {
    if (old != nullptr)
      tag(em.add("task", "removed", id, "task " + id + " removed"), *old);
    return;
  }
  pb::TaskState old_state = old ? old->state() : pb::PENDING;
  if (old == nullptr) {
    auto& e = em.add("task", "created", id, "task " + id + " created");
    tag(e, *now);
    (*e.mutable_attributes())["new_state"] = "pending";
  }
  if (now->state() != old_state) {
    auto from = state_name(old_state), to = state_name(now->state());
    auto& e = em.add("task", to, id,
                     "task " + id + " " + from + " -> " + to
                       + (now->node().empty() ? "" : " on " + now->node())
                       + (now->message().empty() ? "" : ": " + now->message()));
    tag(e, *now);
    (*e.mutable_attributes())["old_state"] = from;
    (*e.mutable_attributes())["new_state"] = to;
    if (is_terminal(now->state()))
      (*e.mutable_attributes())["exit_code"] = std::to_string(now->exit_code());
  } else if (now->state() == pb::PENDING && now->message() != (old ? old->message() : "")
             && !now->message().empty()) {
    tag(em.add("task", "unplaced", id, "task " + id + " not placed: " + now->message()),
        *now);
  }
  if (old == nullptr)
    return;
  if (now->restarts() > old->restarts()) {
    auto& e = em.add("task", "restarted", id,
                     "task " + id + " restarted (" + std::to_string(now->restarts())
                       + " restarts)"
                       + (now->message().empty() ? "" : ": " + now->message()));
    tag(e, *now);
    (*e.mutable_attributes())["restarts"] = std::to_string(now->restarts());
    (*e.mutable_attributes())["exit_code"] = std::to_string(now->exit_code());
  } else if (now->state() == pb::RUNNING && old_state == pb::RUNNING
             && now->pid() != 0 && now->pid() != old->pid()) {
    auto& e = em.add("task", "started", id,
                     "task " + id + " container started again, pid "
                       + std::to_string(now->pid()));
    tag(e, *now);
    (*e.mutable_attributes())["pid"] = std::to_string(now->pid());
  }
  // An orphaned task's desired SHUTDOWN comes with its end: no request.
  if (now->desired_state() != old->desired_state() && now->state() != pb::ORPHANED)
    tag(em.add("task", "shutdown_requested", id, "task " + id + " asked to shut down"),
        *now);
  if (now->health() != old->health() && !now->health().empty()) {
    auto& e = em.add("task", "health", id, "task " + id + " is " + now->health());
    tag(e, *now);
    (*e.mutable_attributes())["health"] = now->health();
  }
}

} // namespace

std::vector<pb::Event> derive_events(const cluster_state& before,
                                     const cluster_state& after,
                                     const touched_keys& touched,
                                     const pb::Entry& entry) {
  std::vector<pb::Event> out;
  emitter em{entry, out};
  for (const auto& k : touched.stacks) stack_events(em, before, after, k);
  for (const auto& k : touched.services) service_events(em, before, after, k);
  for (const auto& k : touched.nodes) node_events(em, before, after, k);
  for (const auto& k : touched.tasks) task_events(em, before, after, k);
  return out;
}

std::string format_event(const pb::Event& e) {
  std::time_t secs = static_cast<std::time_t>(e.time() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof(ms), ".%03dZ", static_cast<int>(e.time() % 1000));
  std::ostringstream os;
  os << buf << ms << " " << e.type() << " " << e.action() << " " << e.subject();
  if (!e.message().empty())
    os << ": " << e.message();
  os << " (index " << e.index() << ")";
  return os.str();
}

void event_source::reset(const pb::ClusterSnapshot& snap) {
  state_.restore(snap);
  updating_.clear();
  count_all();
}

void event_source::reset(const cluster_state& view) {
  state_ = view;
  updating_.clear();
  count_all();
}

void event_source::count_all() {
  counts_.clear();
  for (const auto& [id, t] : state_.tasks())
    ++counts_[t.state()];
}

namespace {

/// True when every desired-running task of `svc` runs its spec_version and
/// as many as desired run (replicated services).
bool update_done(const cluster_state& s, const pb::Service& svc) {
  uint32_t running = 0;
  for (const auto* t : s.tasks_of(svc.spec().name())) {
    if (t->desired_state() != pb::RUNNING || is_terminal(t->state()))
      continue;
    if (t->spec_version() != svc.spec_version())
      return false;
    if (t->state() == pb::RUNNING)
      ++running;
  }
  return svc.spec().mode() == "global" ? running > 0
                                       : running >= svc.spec().replicas();
}

} // namespace

std::vector<pb::Event> event_source::apply(const pb::Entry& entry) {
  const cluster_state before = state_;  // O(1): the maps are shared
  auto touched = state_.apply(entry);
  for (const auto& id : touched.tasks) {
    if (const auto* t = before.find_task(id))
      --counts_[t->state()];
    if (const auto* t = state_.find_task(id))
      ++counts_[t->state()];
  }
  auto out = derive_events(before, state_, touched, entry);
  emitter em{entry, out};
  for (const auto& name : touched.services) {
    auto* old = before.find_service(name);
    auto* now = state_.find_service(name);
    if (now == nullptr) {
      updating_.erase(name);
      continue;
    }
    if (old != nullptr && now->spec_version() > old->spec_version()) {
      updating_[name] = now->spec_version();
      auto& e = em.add("update", "started", name,
                       "update of " + name + " to spec version "
                         + std::to_string(now->spec_version()) + " started");
      (*e.mutable_attributes())["spec_version"] = std::to_string(now->spec_version());
    }
  }
  std::set<std::string> services;
  for (const auto& id : touched.tasks)
    if (auto* t = state_.find_task(id))
      services.insert(t->service());
  for (const auto& [name, version] : updating_)
    services.insert(name);
  for (const auto& name : services) {
    auto u = updating_.find(name);
    auto* svc = state_.find_service(name);
    if (u == updating_.end() || svc == nullptr || !update_done(state_, *svc))
      continue;
    auto& e = em.add("update", "completed", name,
                     "update of " + name + " to spec version "
                       + std::to_string(u->second) + " completed");
    (*e.mutable_attributes())["spec_version"] = std::to_string(u->second);
    updating_.erase(u);
  }
  return out;
}

} // namespace troupe::observe
