#include "actors/manager/queries.hpp"

#include "actors/manager/core/volume_queries.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "actors/manager/core/node_update.hpp"
#include "actors/manager/core/placement.hpp"
#include "actors/manager/core/rollout.hpp"
#include "actors/manager/core/rollout_request.hpp"
#include "actors/network/core/route_table.hpp"
#include "actors/network/core/vip.hpp"
#include "config/service_mode.hpp"
#include "config/stack_file.hpp"

namespace troupe {

namespace {

bool live(const pb::Task& t) {
  return t.desired_state() == pb::RUNNING && !is_terminal(t.state());
}

void add_tasks_of(const cluster_state& view, const std::string& service,
                  pb::Response& out) {
  auto tasks = view.tasks_of(service);
  // Slot order; within a slot, newest first (as `service ps` shows history).
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const pb::Task* a, const pb::Task* b) {
                     if (a->slot() != b->slot())
                       return a->slot() < b->slot();
                     if (a->node() != b->node())
                       return a->node() < b->node();
                     return a->created_at() > b->created_at();
                   });
  for (auto t : tasks)
    *out.add_tasks() = *t;
}

pb::Response error_response(std::string sentence) {
  pb::Response r;
  r.set_error(std::move(sentence));
  return r;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

pb::Entry plan_change(const cluster_state& view, const pb::Request& req,
                      std::string* error, const input_limits& limits);

} // namespace

bool is_read(const pb::Request& r) {
  switch (r.kind_case()) {
    case pb::Request::kListStacks:
    case pb::Request::kStackPs:
    case pb::Request::kListServices:
    case pb::Request::kServicePs:
    case pb::Request::kInspectService:
    case pb::Request::kListNodes:
    case pb::Request::kInspectNode:
    case pb::Request::kValidateStack:
    case pb::Request::kServiceEndpoints:
    case pb::Request::kInspectStack:
    case pb::Request::kNodePs:
    case pb::Request::kListVolumes:
    case pb::Request::kInspectVolume:
      return true;
    default:
      return false;
  }
}

bool is_write(const pb::Request& r) {
  return r.kind_case() == pb::Request::kDeployStack
         || r.kind_case() == pb::Request::kRemoveStack
         || r.kind_case() == pb::Request::kScale
         || r.kind_case() == pb::Request::kUpdateNode
         || r.kind_case() == pb::Request::kUpdateService
         || r.kind_case() == pb::Request::kRollbackService;
}

namespace {

/// Counts distinct slots (or nodes, for a global service) in a sequence
/// sorted by them, as `tasks_of` returns it: a key is counted when it
/// differs from the last one counted — no set, no copies of the keys.
class distinct_keys {
public:
  explicit distinct_keys(bool by_node) : by_node_(by_node) {}
  void add(const pb::Task& t) {
    if (last_ != nullptr
        && (by_node_ ? last_->node() == t.node() : last_->slot() == t.slot()))
      return;
    last_ = &t;
    ++count_;
  }
  uint32_t count() const { return count_; }

private:
  bool by_node_;
  const pb::Task* last_ = nullptr;
  uint32_t count_ = 0;
};

} // namespace

pb::ServiceSummary summarize(const cluster_state& view, const pb::Service& svc) {
  pb::ServiceSummary s;
  *s.mutable_service() = svc;
  bool global = is_global_mode(svc.spec());
  bool job = is_job_mode(svc.spec());
  uint32_t live_tasks = 0;
  // A slot that is moving (start-first) may briefly run two tasks: count
  // slots, not tasks. Global tasks are keyed by node instead. tasks_of is
  // ordered by slot, then node, so equal keys are adjacent.
  distinct_keys running(global), updated(global), completed(global),
    failed(global);
  for (auto t : view.tasks_of(svc.spec().name())) {
    if (job && t->desired_state() == pb::RUNNING
        && t->spec_version() == svc.spec_version()) {
      if (t->state() == pb::COMPLETE)
        completed.add(*t);
      else if (t->state() == pb::FAILED)
        failed.add(*t);
    }
    if (!live(*t))
      continue;
    ++live_tasks;
    // A task waiting out its restart delay stays RUNNING without a process;
    // a task whose health is checked runs once it is healthy.
    if (runs_healthy(*t)) {
      running.add(*t);
      if (t->spec_version() == svc.spec_version())
        updated.add(*t);
    }
  }
  // A job wants its completions (global: one per node it runs or ran on).
  uint32_t ended = completed.count() + failed.count();
  s.set_replicas_desired(global ? live_tasks + (job ? ended : 0)
                                : wanted_slots(svc.spec()));
  s.set_tasks_completed(completed.count());
  s.set_tasks_failed(failed.count());
  s.set_replicas_running(running.count());
  s.set_tasks_updated(updated.count());
  return s;
}

pb::Response answer_read(const cluster_state& view, const pb::Request& req) {
  if (req.kind_case() == pb::Request::kListVolumes
      || req.kind_case() == pb::Request::kInspectVolume)
    return answer_volume_read(view, req);
  pb::Response out;
  out.set_index(view.index());
  switch (req.kind_case()) {
    case pb::Request::kListStacks:
      for (const auto& [name, stack] : view.stacks()) {
        auto s = out.add_stacks();
        s->set_name(name);
        s->set_services(stack.services_size());
        s->set_created_at(stack.created_at());
        s->set_updated_at(stack.updated_at());
        s->set_modify_index(view.stack_index(name));
      }
      break;
    case pb::Request::kInspectStack: {
      const auto* stack = view.find_stack(req.inspect_stack());
      if (stack == nullptr)
        return error_response("no stack named '" + req.inspect_stack() + "'");
      auto s = out.add_stacks();
      s->set_name(stack->name());
      s->set_services(stack->services_size());
      s->set_created_at(stack->created_at());
      s->set_updated_at(stack->updated_at());
      s->set_modify_index(view.stack_index(stack->name()));
      for (const auto& name : stack->services()) {
        const auto* svc = view.find_service(name);
        if (svc == nullptr)
          continue;
        *out.add_services() = summarize(view, *svc);
        for (const auto* t : view.tasks_of(name))
          if (live(*t))
            *out.add_tasks() = *t;
      }
      break;
    }
    case pb::Request::kNodePs: {
      if (view.find_node(req.node_ps()) == nullptr)
        return error_response("no node named '" + req.node_ps() + "'");
      auto tasks = view.tasks_on(req.node_ps());
      std::stable_sort(tasks.begin(), tasks.end(), [](const pb::Task* a, const pb::Task* b) {
        if (a->service() != b->service())
          return a->service() < b->service();
        if (a->slot() != b->slot())
          return a->slot() < b->slot();
        return a->created_at() > b->created_at();
      });
      for (const auto* t : tasks)
        *out.add_tasks() = *t;
      break;
    }
    case pb::Request::kStackPs: {
      auto i = view.stacks().find(req.stack_ps());
      if (i == view.stacks().end())
        return error_response("no stack named '" + req.stack_ps() + "'");
      for (const auto& svc : i->second.services())
        add_tasks_of(view, svc, out);
      break;
    }
    case pb::Request::kListServices:
      for (const auto& [name, svc] : view.services())
        *out.add_services() = summarize(view, svc);
      break;
    case pb::Request::kServicePs:
    case pb::Request::kInspectService: {
      const auto& name = req.kind_case() == pb::Request::kServicePs
                           ? req.service_ps()
                           : req.inspect_service();
      auto svc = view.find_service(name);
      if (svc == nullptr)
        return error_response("no service named '" + name + "'");
      if (req.kind_case() == pb::Request::kServicePs) {
        add_tasks_of(view, name, out);
      } else {
        *out.add_services() = summarize(view, *svc);
        *out.mutable_routes() = network::routes_of(view, name).routes();
      }
      break;
    }
    case pb::Request::kServiceEndpoints: {
      const auto& name = req.service_endpoints();
      if (view.find_service(name) == nullptr)
        return error_response("no service named '" + name + "'");
      *out.mutable_routes() = network::routes_of(view, name).routes();
      *out.add_services() = summarize(view, *view.find_service(name)); // its port errors
      break;
    }
    case pb::Request::kListNodes:
    case pb::Request::kInspectNode:
      for (const auto& [name, node] : view.nodes()) {
        if (req.kind_case() == pb::Request::kInspectNode
            && name != req.inspect_node())
          continue;
        auto n = out.add_nodes();
        *n->mutable_node() = node;
        uint32_t count = 0;
        for (const auto* t : view.tasks_on(name))
          count += live(*t) ? 1 : 0;
        n->set_tasks(count);
      }
      if (req.kind_case() == pb::Request::kInspectNode && out.nodes_size() == 0)
        return error_response("no node named '" + req.inspect_node() + "'");
      break;
    case pb::Request::kValidateStack: {
      auto stack = req.validate_stack();
      fill_stack_defaults(&stack);
      auto problems = validate_stack_spec(stack);
      if (!problems.empty())
        return error_response("stack '" + req.validate_stack().name()
                              + "' is not valid: " + join(problems));
      break;
    }
    default:
      return error_response("this request is not a read");
  }
  return out;
}

std::string task_ceiling_problem(const cluster_state& view, const pb::Entry& entry,
                                 const input_limits& limits) {
  // Desired tasks per service: replicas, or one per node in global mode.
  // The state keeps the totals; only the services the entry changes are
  // looked at (a write costs what it touches, not the cluster's size).
  const uint64_t nodes = view.nodes().size();
  auto desired = [&](const pb::ServiceSpec& spec) -> uint64_t {
    return spec.mode() == "global" ? nodes : spec.replicas();
  };
  const uint64_t before = view.replicas_wanted() + view.global_services() * nodes;
  // The services the entry changes: their desired count before, and after.
  std::map<std::string, std::pair<uint64_t, uint64_t>> changed;
  auto current = [&](const std::string& name) -> uint64_t {
    auto svc = view.find_service(name);
    return svc != nullptr ? desired(svc->spec()) : 0;
  };
  auto set_after = [&](const std::string& name, uint64_t n) {
    auto i = changed.find(name);
    if (i == changed.end())
      i = changed.emplace(name, std::pair{current(name), uint64_t{0}}).first;
    i->second.second = n;
  };
  for (const auto& c : entry.changes()) {
    if (c.has_deploy_stack()) {
      for (const auto* svc : view.services_of(c.deploy_stack().name()))
        set_after(svc->spec().name(), 0);
      for (const auto& spec : c.deploy_stack().services())
        set_after(spec.name(), desired(spec));
    } else if (c.has_scale_service()) {
      set_after(c.scale_service().service(), c.scale_service().replicas());
    } else if (c.has_update_service()) {
      set_after(c.update_service().name(), desired(c.update_service()));
    }
  }
  uint64_t after = before;
  for (const auto& [name, n] : changed)
    after = after - n.first + n.second;
  if (after <= limits.max_tasks || after <= before)
    return "";
  return "the cluster would run " + std::to_string(after)
         + " tasks, above the limit of " + std::to_string(limits.max_tasks)
         + " ([limits] max_tasks in the cluster config)";
}

std::string image_problem(const cluster_state& view, const pb::Entry& entry) {
  auto check = [&](const pb::ServiceSpec& spec, const std::string& what) -> std::string {
    if (!needs_image(spec))
      return "";  // process driver, or an oci rootfs of its own
    for (const auto& [name, node] : view.nodes())
      if (node.state() == "ready" && node_holds_image(node, spec))
        return "";
    return what + ": no ready node holds image '" + spec.image() + "' of service "
           + spec.name() + "; build or load it into the nodes' images_dir first "
           "(the busybox image: scripts/build-busybox-image.sh IMAGES_DIR)";
  };
  for (const auto& c : entry.changes()) {
    std::string why;
    if (c.has_deploy_stack())
      for (const auto& spec : c.deploy_stack().services())
        if (why.empty())
          why = check(spec, "stack '" + c.deploy_stack().name() + "' cannot be deployed");
    const auto* now = c.has_update_service() ? view.find_service(c.update_service().name())
                                             : nullptr;
    bool new_image = now == nullptr || now->spec().image() != c.update_service().image()
                     || now->spec().driver() != c.update_service().driver();
    if (c.has_update_service() && new_image)  // a service keeps running what it ran
      why = check(c.update_service(), "service '" + c.update_service().name()
                                        + "' cannot be updated");
    if (!why.empty())
      return why;
  }
  return "";
}

pb::Entry plan_write(const cluster_state& view, const pb::Request& req,
                     std::string* error, const input_limits& limits) {
  pb::Entry entry = plan_change(view, req, error, limits);
  if (!error->empty())
    return {};
  if (auto why = task_ceiling_problem(view, entry, limits); !why.empty()) {
    *error = why;
    return {};
  }
  if (auto why = image_problem(view, entry); !why.empty()) {
    *error = why;
    return {};
  }
  return entry;
}

namespace {

pb::Entry plan_change(const cluster_state& view, const pb::Request& req,
                      std::string* error, const input_limits& limits) {
  pb::Entry entry;
  switch (req.kind_case()) {
    case pb::Request::kDeployStack: {
      auto stack = req.deploy_stack();
      fill_stack_defaults(&stack);
      auto problems = validate_stack_spec(stack, limits);
      if (!problems.empty()) {
        *error = "stack '" + stack.name() + "' is not valid: " + join(problems);
        return {};
      }
      if (auto conflict = network::published_conflict(stack, view.services());
          !conflict.empty()) {
        *error = "stack '" + stack.name() + "' is not valid: " + conflict;
        return {};
      }
      if (req.has_deploy_check()) {  // `stack deploy --check-index N`
        uint64_t now = view.stack_index(stack.name());
        if (now != req.deploy_check().index()) {
          *error = "stack '" + stack.name() + "' changed since the plan ("
                   + (now == 0 ? std::string("it no longer exists")
                               : "its index is now " + std::to_string(now))
                   + ", the plan saw "
                   + (req.deploy_check().index() == 0
                        ? std::string("no such stack")
                        : std::to_string(req.deploy_check().index()))
                   + "); nothing was deployed: run `troupe stack plan` again";
          return {};
        }
      }
      *entry.add_changes()->mutable_deploy_stack() = std::move(stack);
      break;
    }
    case pb::Request::kRemoveStack:
      if (view.stacks().count(req.remove_stack()) == 0) {
        *error = "no stack named '" + req.remove_stack() + "'";
        return {};
      }
      entry.add_changes()->set_remove_stack(req.remove_stack());
      break;
    case pb::Request::kScale:
      if (req.scale().services_size() == 0) {
        *error = "scale names no service";
        return {};
      }
      for (const auto& s : req.scale().services()) {
        auto svc = view.find_service(s.service());
        if (svc == nullptr) {
          *error = "no service named '" + s.service() + "'";
          return {};
        }
        if (svc->spec().mode() == "global") {
          *error = "service '" + s.service()
                   + "' runs in global mode (one task per node) and cannot be scaled";
          return {};
        }
        if (is_job_mode(svc->spec())) {
          *error = "service '" + s.service() + "' is a job (mode "
                   + svc->spec().mode() + ") and cannot be scaled";
          return {};
        }
        if (s.replicas() > limits.max_replicas) {
          *error = "service '" + s.service() + "' cannot be scaled to "
                   + std::to_string(s.replicas()) + " replicas: the limit is "
                   + std::to_string(limits.max_replicas)
                   + " per service ([limits] max_replicas in the cluster config)";
          return {};
        }
        *entry.add_changes()->mutable_scale_service() = s;
      }
      break;
    case pb::Request::kUpdateNode: {
      const auto& u = req.update_node();
      if (view.find_node(u.name()) == nullptr) {
        *error = "no node named '" + u.name() + "'";
        return {};
      }
      auto problem = node_update_problem(u);
      if (problem.empty()
          && static_cast<uint64_t>(u.labels_add_size() + u.labels_rm_size())
                 > limits.max_labels)
        problem = "it changes more than " + std::to_string(limits.max_labels) + " labels";
      for (const auto& [k, v] : u.labels_add())
        if (problem.empty() && k.size() + v.size() > limits.max_label_bytes)
          problem = "label '" + k.substr(0, 64) + "' is longer than "
                    + std::to_string(limits.max_label_bytes) + " bytes";
      if (!problem.empty()) {
        *error = "node " + u.name() + " cannot be updated: " + problem;
        return {};
      }
      *entry.add_changes()->mutable_node_update() = u;
      break;
    }
    case pb::Request::kUpdateService:
    case pb::Request::kRollbackService:
      if (!plan_rollout_request(view, req, &entry, error, limits))
        return {};
      break;
    default:
      *error = "this request is not a write";
      return {};
  }
  return entry;
}

} // namespace

} // namespace troupe
