// cluster_state::apply: one committed entry in, every valid change applied.
// The rules are in cluster_state.hpp; each change kind has one function here.
#include "actors/manager/core/cluster_state.hpp"

#include "actors/manager/core/node_update.hpp"
#include "actors/manager/core/rollout_apply.hpp"
#include "actors/network/core/vip.hpp"
#include "config/service_mode.hpp"

namespace troupe {
namespace {

// The state's maps plus the entry's clock and the keys touched so far.
struct applier {
  std::map<std::string, pb::Stack>& stacks;
  std::map<std::string, pb::Service>& services;
  std::map<std::string, pb::Task>& tasks;
  std::map<std::string, pb::Node>& nodes;
  int64_t now;
  touched_keys& touched;

  void touch_task(pb::Task& task) {
    task.set_updated_at(now);
    touched.tasks.insert(task.id());
  }

  // Deletes `it` when it is terminal and its service is gone; true if so.
  bool collect_orphan(std::map<std::string, pb::Task>::iterator it) {
    if (!is_terminal(it->second.state())
        || services.count(it->second.service()) > 0)
      return false;
    touched.tasks.insert(it->first);
    tasks.erase(it);
    return true;
  }

  void remove_service(const std::string& name) {
    if (services.erase(name) == 0)
      return;
    touched.services.insert(name);
    for (auto it = tasks.begin(); it != tasks.end();) {
      auto next = std::next(it);
      pb::Task& task = it->second;
      if (task.service() == name) {
        if (!is_terminal(task.state())) {
          task.set_desired_state(pb::SHUTDOWN);
          if (task.state() < pb::ASSIGNED) {
            task.set_state(pb::SHUTDOWN);
            task.set_message("service removed");
          }
          touch_task(task);
        }
        collect_orphan(it);
      }
      it = next;
    }
  }

  // Inserts or updates one service; true if anything changed.
  bool upsert_service(const pb::ServiceSpec& spec) {
    auto it = services.find(spec.name());
    if (it == services.end()) {
      pb::Service svc;
      *svc.mutable_spec() = spec;
      svc.set_version(1);
      svc.set_spec_version(1);
      svc.set_created_at(now);
      svc.set_updated_at(now);
      services.emplace(spec.name(), std::move(svc));
      touched.services.insert(spec.name());
      return true;
    }
    if (!set_service_spec(it->second, spec, now))
      return false;
    touched.services.insert(spec.name());
    return true;
  }

  // update_service, rollback_service, update_status (rollout_apply.hpp).
  template <class F>
  void change_service(const std::string& name, F&& f) {
    auto it = services.find(name);
    if (it != services.end() && f(it->second))
      touched.services.insert(name);
  }

  void deploy_stack(const pb::StackSpec& spec) {
    if (spec.name().empty())
      return;
    for (auto& s : spec.services())
      if (s.name().empty())
        return; // an invalid stack changes nothing
    pb::Stack next;
    next.set_name(spec.name());
    for (auto& s : spec.services())
      next.add_services(s.name());
    bool changed = false;
    auto old = stacks.find(spec.name());
    if (old != stacks.end()) {
      next.set_created_at(old->second.created_at());
      std::set<std::string> kept(next.services().begin(),
                                 next.services().end());
      for (auto& name : old->second.services())
        if (kept.count(name) == 0) {
          remove_service(name);
          changed = true;
        }
    } else {
      next.set_created_at(now);
    }
    for (auto& s : spec.services())
      changed = upsert_service(s) || changed;
    for (auto& s : spec.services()) {  // stable VIPs (network/core/vip.hpp)
      auto it = services.find(s.name());
      if (it != services.end()
          && network::assign_vips(it->second, services, nodes,
                                  network::current_vip_range())) {
        touched.services.insert(s.name());
        changed = true;
      }
    }
    if (old != stacks.end() && !changed
        && same_services(old->second, next))
      return;
    next.set_updated_at(now);
    stacks[spec.name()] = std::move(next);
    touched.stacks.insert(spec.name());
  }

  static bool same_services(const pb::Stack& a, const pb::Stack& b) {
    if (a.services_size() != b.services_size())
      return false;
    for (int i = 0; i < a.services_size(); ++i)
      if (a.services(i) != b.services(i))
        return false;
    return true;
  }

  void remove_stack(const std::string& name) {
    auto it = stacks.find(name);
    if (it == stacks.end())
      return;
    pb::Stack stack = std::move(it->second);
    stacks.erase(it);
    touched.stacks.insert(name);
    for (auto& svc : stack.services())
      remove_service(svc);
  }

  void scale_service(const pb::ScaleService& req) {
    auto it = services.find(req.service());
    if (it == services.end() || is_global_mode(it->second.spec())
        || is_job_mode(it->second.spec())
        || it->second.spec().replicas() == req.replicas())
      return;
    pb::Service& svc = it->second;
    svc.mutable_spec()->set_replicas(req.replicas());
    svc.set_version(svc.version() + 1);
    svc.set_updated_at(now);
    touched.services.insert(req.service());
  }

  void create_task(const pb::Task& in) {
    if (in.id().empty() || tasks.count(in.id()) > 0
        || services.count(in.service()) == 0)
      return;
    pb::Task task = in;
    task.set_state(pb::PENDING);
    task.set_desired_state(pb::RUNNING);
    task.set_created_at(now);
    touch_task(task);
    tasks.emplace(task.id(), std::move(task));
  }

  void assign_task(const pb::TaskAssignment& a) {
    auto it = tasks.find(a.task_id());
    if (it == tasks.end() || it->second.state() != pb::PENDING)
      return;
    pb::Task& task = it->second;
    if (!a.node().empty()) {
      task.set_node(a.node());
      task.set_state(pb::ASSIGNED);
      *task.mutable_host_ports() = a.host_ports();
    } else if (task.message() == a.message()) {
      return;
    }
    task.set_message(a.message());
    touch_task(task);
  }

  void set_desired(const pb::TaskDesired& d) {
    auto it = tasks.find(d.task_id());
    if (it == tasks.end() || d.desired_state() != pb::SHUTDOWN
        || it->second.desired_state() != pb::RUNNING)
      return;
    pb::Task& task = it->second;
    task.set_desired_state(pb::SHUTDOWN);
    if (task.state() < pb::ASSIGNED) {
      task.set_state(pb::SHUTDOWN);
      task.set_message("shut down before it was assigned");
    }
    touch_task(task);
    collect_orphan(it);
  }

  void task_status(const pb::TaskStatus& s) {
    auto it = tasks.find(s.task_id());
    if (it == tasks.end() || is_terminal(it->second.state())
        || !pb::TaskState_IsValid(s.state()))
      return;
    pb::Task& task = it->second;
    if (s.state() > task.state())
      task.set_state(s.state());
    task.set_message(s.message());
    task.set_pid(s.pid());
    task.set_container_id(s.container_id());
    task.set_restarts(s.restarts());
    task.set_started_at(s.started_at());
    task.set_exit_code(s.exit_code());
    if (!s.health().empty())
      task.set_health(s.health());
    touch_task(task);
    collect_orphan(it);
  }

  // A node's mesh opened (error "") or could not open a published port of
  // a service: kept per node and port on the service, for users to see.
  void port_status(const pb::PortStatus& in) {
    constexpr size_t most_errors = 100, longest = 200; // peers' input is bounded
    auto it = services.find(in.service());
    if (it == services.end() || in.node().empty() || in.published() == 0)
      return;
    pb::PortStatus p = in;
    if (p.error().size() > longest)
      p.mutable_error()->resize(longest);
    auto* errors = it->second.mutable_port_errors();
    for (int i = 0; i < errors->size(); ++i) {
      auto& e = *errors->Mutable(i);
      if (e.node() != p.node() || e.published() != p.published())
        continue;
      if (p.error() == e.error())
        return;
      if (p.error().empty())
        errors->DeleteSubrange(i, 1);
      else
        e = p;
      touched.services.insert(p.service());
      return;
    }
    if (p.error().empty() || static_cast<size_t>(errors->size()) >= most_errors)
      return;
    *errors->Add() = p;
    touched.services.insert(p.service());
  }

  void remove_task(const std::string& id) {
    auto it = tasks.find(id);
    if (it == tasks.end() || !is_terminal(it->second.state()))
      return;
    tasks.erase(it);
    touched.tasks.insert(id);
  }

  void put_node(const pb::Node& in) {
    if (in.name().empty())
      return;
    pb::Node node = in;
    auto old = nodes.find(in.name());
    bool known = old != nodes.end();
    node.set_registered_at(known ? old->second.registered_at() : now);
    if (node.availability().empty())
      node.set_availability(known ? old->second.availability() : "active");
    if (node.state().empty())
      node.set_state("ready");
    node.set_updated_at(now);
    nodes[in.name()] = std::move(node);
    touched.nodes.insert(in.name());
  }

  void node_status(const pb::NodeStatus& s) {
    auto it = nodes.find(s.name());
    if (it == nodes.end())
      return;
    bool bad_state = !s.state().empty() && s.state() != "ready"
                     && s.state() != "down";
    bool bad_avail = !s.availability().empty() && s.availability() != "active"
                     && s.availability() != "drain";
    if (bad_state || bad_avail)
      return;
    pb::Node& node = it->second;
    bool changed = false;
    if (!s.state().empty() && s.state() != node.state()) {
      node.set_state(s.state());
      changed = true;
    }
    if (!s.availability().empty() && s.availability() != node.availability()) {
      node.set_availability(s.availability());
      changed = true;
    }
    if (!changed)
      return;
    node.set_updated_at(now);
    touched.nodes.insert(s.name());
    if (s.state() == "down")
      orphan_tasks_on(s.name());
  }

  // An operator's drain/activate/label change; the reconcilers move the
  // tasks it concerns. Unknown nodes and invalid updates are skipped.
  void node_update(const pb::NodeUpdate& u) {
    auto it = nodes.find(u.name());
    if (it == nodes.end() || !apply_node_update(u, &it->second))
      return;
    it->second.set_updated_at(now);
    touched.nodes.insert(u.name());
  }

  // A node that went down takes its live tasks with it: they end ORPHANED
  // with desired SHUTDOWN (their service replaces them elsewhere) and the
  // node, once back, is no longer assigned them, so it stops them.
  void orphan_tasks_on(const std::string& node_name) {
    for (auto it = tasks.begin(); it != tasks.end();) {
      auto next = std::next(it);
      pb::Task& task = it->second;
      if (task.node() == node_name && task.state() >= pb::ASSIGNED
          && !is_terminal(task.state())) {
        task.set_state(pb::ORPHANED);
        task.set_desired_state(pb::SHUTDOWN); // replaced, never wanted again
        task.set_pid(0);                      // no process the manager knows of
        task.set_message("node " + node_name + " is down");
        touch_task(task);
        collect_orphan(it);
      }
      it = next;
    }
  }

  void apply(const pb::Change& c) {
    switch (c.op_case()) {
      case pb::Change::kDeployStack: deploy_stack(c.deploy_stack()); break;
      case pb::Change::kRemoveStack: remove_stack(c.remove_stack()); break;
      case pb::Change::kScaleService: scale_service(c.scale_service()); break;
      case pb::Change::kCreateTask: create_task(c.create_task()); break;
      case pb::Change::kAssignTask: assign_task(c.assign_task()); break;
      case pb::Change::kSetDesired: set_desired(c.set_desired()); break;
      case pb::Change::kTaskStatus: task_status(c.task_status()); break;
      case pb::Change::kRemoveTask: remove_task(c.remove_task()); break;
      case pb::Change::kPutNode: put_node(c.put_node()); break;
      case pb::Change::kNodeStatus: node_status(c.node_status()); break;
      case pb::Change::kNodeUpdate: node_update(c.node_update()); break;
      case pb::Change::kUpdateService:
        change_service(c.update_service().name(), [&](pb::Service& svc) {
          return set_service_spec(svc, c.update_service(), now);
        });
        break;
      case pb::Change::kRollbackService:
        change_service(c.rollback_service().service(), [&](pb::Service& svc) {
          return rollback_service(svc, c.rollback_service(), now);
        });
        break;
      case pb::Change::kUpdateStatus:
        change_service(c.update_status().service(), [&](pb::Service& svc) {
          return set_update_status(svc, c.update_status().status(), now);
        });
        break;
      case pb::Change::kPortStatus: port_status(c.port_status()); break;
      case pb::Change::OP_NOT_SET: break;
    }
  }
};

} // namespace

touched_keys cluster_state::apply(const pb::Entry& entry) {
  touched_keys touched;
  applier a{stacks_, services_, tasks_, nodes_, entry.timestamp(), touched};
  for (auto& change : entry.changes())
    a.apply(change);
  index_ = entry.index();
  return touched;
}

} // namespace troupe
