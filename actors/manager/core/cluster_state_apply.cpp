// cluster_state::apply: one committed entry in, every valid change applied.
// The rules are in cluster_state.hpp; each change kind has one function here.
#include "actors/manager/core/cluster_state.hpp"

#include "actors/manager/core/node_update.hpp"
#include "actors/manager/core/rollout_apply.hpp"
#include "actors/network/core/vip.hpp"
#include "config/service_mode.hpp"
#include "config/volume_name.hpp"

namespace troupe {
namespace {

// The state being changed plus the entry's clock and the keys touched so
// far. Objects are immutable once in the maps: a change copies the one
// object, edits the copy and puts it back (state_writer keeps the indexes).
struct applier {
  cluster_state& s;
  state_writer w;
  int64_t now;
  touched_keys& touched;

  void put_task(pb::Task task) {
    task.set_updated_at(now);
    touched.tasks.insert(task.id());
    w.put_task(std::move(task));
  }

  // Deletes the task when it is terminal and its service is gone.
  void collect_orphan(const std::string& id) {
    const auto* task = s.find_task(id);
    if (task == nullptr || !is_terminal(task->state())
        || s.services().count(task->service()) > 0)
      return;
    touched.tasks.insert(id);
    w.erase_task(id);
  }

  void remove_service(const std::string& name) {
    if (s.find_service(name) == nullptr)
      return;
    w.erase_service(name);
    touched.services.insert(name);
    for (const auto& id : s.task_ids_of(name)) {
      pb::Task task = *s.find_task(id);
      if (!is_terminal(task.state())) {
        task.set_desired_state(pb::SHUTDOWN);
        if (task.state() < pb::ASSIGNED) {
          task.set_state(pb::SHUTDOWN);
          task.set_message("service removed");
        }
        put_task(std::move(task));
      }
      collect_orphan(id);
    }
  }

  // Inserts or updates one service; true if anything changed.
  bool upsert_service(const pb::ServiceSpec& spec) {
    const auto* old = s.find_service(spec.name());
    if (old == nullptr) {
      pb::Service svc;
      *svc.mutable_spec() = spec;
      svc.set_version(1);
      svc.set_spec_version(1);
      svc.set_created_at(now);
      svc.set_updated_at(now);
      w.put_service(std::move(svc));
      touched.services.insert(spec.name());
      return true;
    }
    pb::Service svc = *old;
    if (!set_service_spec(svc, spec, now))
      return false;
    w.put_service(std::move(svc));
    touched.services.insert(spec.name());
    return true;
  }

  // update_service, rollback_service, update_status (rollout_apply.hpp).
  template <class F>
  void change_service(const std::string& name, F&& f) {
    const auto* old = s.find_service(name);
    if (old == nullptr)
      return;
    pb::Service svc = *old;
    if (!f(svc))
      return;
    w.put_service(std::move(svc));
    touched.services.insert(name);
  }

  void deploy_stack(const pb::StackSpec& spec) {
    if (spec.name().empty())
      return;
    for (auto& sv : spec.services())
      if (sv.name().empty())
        return; // an invalid stack changes nothing
    pb::Stack next;
    next.set_name(spec.name());
    for (auto& sv : spec.services())
      next.add_services(sv.name());
    bool changed = false;
    auto old = s.stacks().value(spec.name());  // kept while the map changes
    if (old) {
      next.set_created_at(old->created_at());
      std::set<std::string> kept(next.services().begin(),
                                 next.services().end());
      for (auto& name : old->services())
        if (kept.count(name) == 0) {
          remove_service(name);
          changed = true;
        }
    } else {
      next.set_created_at(now);
    }
    for (auto& sv : spec.services())
      changed = upsert_service(sv) || changed;
    for (auto& sv : spec.services()) {  // stable VIPs (network/core/vip.hpp)
      const auto* cur = s.find_service(sv.name());
      if (cur == nullptr)
        continue;
      pb::Service svc = *cur;
      if (network::assign_vips(svc, s.services(), s.nodes(),
                               network::current_vip_range())) {
        w.put_service(std::move(svc));
        touched.services.insert(sv.name());
        changed = true;
      }
    }
    if (old && !changed && same_services(*old, next))
      return;
    next.set_updated_at(now);
    w.put_stack(std::move(next));
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
    auto stack = s.stacks().value(name);
    if (!stack)
      return;
    w.erase_stack(name);
    touched.stacks.insert(name);
    for (auto& svc : stack->services())
      remove_service(svc);
  }

  void scale_service(const pb::ScaleService& req) {
    const auto* old = s.find_service(req.service());
    if (old == nullptr || is_global_mode(old->spec()) || is_job_mode(old->spec())
        || old->spec().replicas() == req.replicas())
      return;
    pb::Service svc = *old;
    svc.mutable_spec()->set_replicas(req.replicas());
    svc.set_version(svc.version() + 1);
    svc.set_updated_at(now);
    w.put_service(std::move(svc));
    touched.services.insert(req.service());
  }

  void create_task(const pb::Task& in) {
    if (in.id().empty() || s.tasks().count(in.id()) > 0
        || s.services().count(in.service()) == 0)
      return;
    pb::Task task = in;
    task.set_state(pb::PENDING);
    task.set_desired_state(pb::RUNNING);
    task.set_created_at(now);
    put_task(std::move(task));
  }

  void assign_task(const pb::TaskAssignment& a) {
    const auto* old = s.find_task(a.task_id());
    if (old == nullptr || old->state() != pb::PENDING)
      return;
    if (a.node().empty() && old->message() == a.message())
      return;
    pb::Task task = *old;
    if (!a.node().empty()) {
      task.set_node(a.node());
      task.set_state(pb::ASSIGNED);
      *task.mutable_host_ports() = a.host_ports();
    }
    task.set_message(a.message());
    if (!a.node().empty())
      home_volumes(task);
    put_task(std::move(task));
  }

  // The task's local volumes live on its node from now on.
  void home_volumes(const pb::Task& task) {
    for (const auto& m : task.spec().mounts()) {
      auto name = volume_name(task, m);
      if (name.empty())
        continue;
      const auto* old = s.find_volume(name);
      if (old != nullptr && old->node() == task.node())
        continue;
      pb::Volume v;
      if (old != nullptr) {
        v = *old;
      } else {
        v.set_name(name);
        v.set_stack(task.spec().stack());
        *v.mutable_spec() = m.spec();
        v.set_created_at(now);
      }
      v.set_node(task.node());
      v.set_updated_at(now);
      w.put_volume(std::move(v));
      touched.volumes.insert(name);
    }
  }

  void remove_volume(const std::string& name) {
    if (s.find_volume(name) == nullptr)
      return;
    w.erase_volume(name);
    touched.volumes.insert(name);
  }

  void set_desired(const pb::TaskDesired& d) {
    const auto* old = s.find_task(d.task_id());
    if (old == nullptr || d.desired_state() != pb::SHUTDOWN
        || old->desired_state() != pb::RUNNING)
      return;
    pb::Task task = *old;
    task.set_desired_state(pb::SHUTDOWN);
    if (task.state() < pb::ASSIGNED) {
      task.set_state(pb::SHUTDOWN);
      task.set_message("shut down before it was assigned");
    }
    put_task(std::move(task));
    collect_orphan(d.task_id());
  }

  void task_status(const pb::TaskStatus& st) {
    const auto* old = s.find_task(st.task_id());
    if (old == nullptr || is_terminal(old->state())
        || !pb::TaskState_IsValid(st.state()))
      return;
    pb::Task task = *old;
    if (st.state() > task.state())
      task.set_state(st.state());
    task.set_message(st.message());
    task.set_pid(st.pid());
    task.set_container_id(st.container_id());
    task.set_restarts(st.restarts());
    task.set_started_at(st.started_at());
    task.set_exit_code(st.exit_code());
    task.set_restart_at(st.restart_at());
    if (!st.health().empty())
      task.set_health(st.health());
    put_task(std::move(task));
    collect_orphan(st.task_id());
  }

  // A node's mesh opened (error "") or could not open a published port of
  // a service: kept per node and port on the service, for users to see.
  void port_status(const pb::PortStatus& in) {
    constexpr size_t most_errors = 100, longest = 200; // peers' input is bounded
    const auto* old = s.find_service(in.service());
    if (old == nullptr || in.node().empty() || in.published() == 0)
      return;
    pb::PortStatus p = in;
    if (p.error().size() > longest)
      p.mutable_error()->resize(longest);
    pb::Service svc = *old;
    auto* errors = svc.mutable_port_errors();
    bool found = false;
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
      found = true;
      break;
    }
    if (!found) {
      if (p.error().empty() || static_cast<size_t>(errors->size()) >= most_errors)
        return;
      *errors->Add() = p;
    }
    w.put_service(std::move(svc));
    touched.services.insert(p.service());
  }

  void remove_task(const std::string& id) {
    const auto* old = s.find_task(id);
    if (old == nullptr || !is_terminal(old->state()))
      return;
    w.erase_task(id);
    touched.tasks.insert(id);
  }

  void put_node(const pb::Node& in) {
    if (in.name().empty())
      return;
    pb::Node node = in;
    const auto* old = s.find_node(in.name());
    bool known = old != nullptr;
    node.set_registered_at(known ? old->registered_at() : now);
    if (node.availability().empty())
      node.set_availability(known ? old->availability() : "active");
    if (node.state().empty())
      node.set_state("ready");
    node.set_updated_at(now);
    w.put_node(std::move(node));
    touched.nodes.insert(in.name());
  }

  void node_status(const pb::NodeStatus& st) {
    const auto* old = s.find_node(st.name());
    if (old == nullptr)
      return;
    bool bad_state = !st.state().empty() && st.state() != "ready"
                     && st.state() != "down";
    bool bad_avail = !st.availability().empty() && st.availability() != "active"
                     && st.availability() != "drain";
    if (bad_state || bad_avail)
      return;
    pb::Node node = *old;
    bool changed = false;
    if (!st.state().empty() && st.state() != node.state()) {
      node.set_state(st.state());
      changed = true;
    }
    if (!st.availability().empty() && st.availability() != node.availability()) {
      node.set_availability(st.availability());
      changed = true;
    }
    if (!changed)
      return;
    node.set_updated_at(now);
    w.put_node(std::move(node));
    touched.nodes.insert(st.name());
    if (st.state() == "down")
      orphan_tasks_on(st.name());
  }

  // An operator's drain/activate/label change; the reconcilers move the
  // tasks it concerns. Unknown nodes and invalid updates are skipped.
  void node_update(const pb::NodeUpdate& u) {
    const auto* old = s.find_node(u.name());
    if (old == nullptr)
      return;
    pb::Node node = *old;
    if (!apply_node_update(u, &node))
      return;
    node.set_updated_at(now);
    w.put_node(std::move(node));
    touched.nodes.insert(u.name());
  }

  // A node that went down takes its live tasks with it: they end ORPHANED
  // with desired SHUTDOWN (their service replaces them elsewhere) and the
  // node, once back, is no longer assigned them, so it stops them.
  void orphan_tasks_on(const std::string& node_name) {
    for (const auto* t : s.tasks_on(node_name)) {
      if (t->state() < pb::ASSIGNED || is_terminal(t->state()))
        continue;
      pb::Task task = *t;
      auto id = task.id();
      task.set_state(pb::ORPHANED);
      task.set_desired_state(pb::SHUTDOWN); // replaced, never wanted again
      task.set_pid(0);                      // no process the manager knows of
      task.set_message("node " + node_name + " is down");
      put_task(std::move(task));
      collect_orphan(id);
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
      case pb::Change::kRemoveVolume: remove_volume(c.remove_volume()); break;
      case pb::Change::OP_NOT_SET: break;
    }
  }
};

} // namespace

// Every stack and service record the entry changed carries its index
// (`stack plan` / `stack deploy --check-index`, issue 12).
void cluster_state::stamp_modify_index(const touched_keys& touched, uint64_t index) {
  state_writer w{*this};
  for (const auto& name : touched.services)
    if (const auto* svc = find_service(name); svc != nullptr && svc->modify_index() != index) {
      pb::Service next = *svc;
      next.set_modify_index(index);
      w.put_service(std::move(next));
    }
  for (const auto& name : touched.stacks)
    if (const auto* stack = find_stack(name);
        stack != nullptr && stack->modify_index() != index) {
      pb::Stack next = *stack;
      next.set_modify_index(index);
      w.put_stack(std::move(next));
    }
  for (const auto& name : touched.volumes)
    if (const auto* v = find_volume(name); v != nullptr && v->modify_index() != index) {
      pb::Volume next = *v;
      next.set_modify_index(index);
      w.put_volume(std::move(next));
    }
}

touched_keys cluster_state::apply(const pb::Entry& entry) {
  touched_keys touched;
  map_work before = map_work::counter();
  applier a{*this, state_writer{*this}, entry.timestamp(), touched};
  for (auto& change : entry.changes())
    a.apply(change);
  stamp_modify_index(touched, entry.index());
  index_ = entry.index();
  const map_work& after = map_work::counter();
  last_apply_work_.visited = after.visited - before.visited;
  last_apply_work_.copied = after.copied - before.copied;
  return touched;
}

} // namespace troupe
