// reconcile(): desired state of one service vs its tasks (see reconciler.hpp).
// Tasks are grouped by slot (replicated) or node (global); each group is
// classified first, so the rolling-update budget is known before any change
// is emitted, then the groups are walked in order to emit the changes.
#include "actors/manager/core/reconciler.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>

#include "actors/manager/core/cluster_state.hpp"
#include "config/constraint.hpp"
#include "config/service_mode.hpp"

namespace troupe {
namespace {

bool live(const pb::Task& t) {
  return t.desired_state() == pb::RUNNING && !is_terminal(t.state());
}

// One slot (replicated) or one node (global).
struct group {
  uint32_t slot = 0;
  std::string node;
  bool wanted = false;
  std::vector<const pb::Task*> tasks;  // oldest first
};

enum class verdict { unwanted, current, outdated, refill, move, leave };

bool older(const pb::Task* a, const pb::Task* b) {
  if (a->created_at() != b->created_at())
    return a->created_at() < b->created_at();
  return a->id() < b->id();
}

bool node_eligible(const pb::Node& node, const pb::ServiceSpec& spec,
                   const std::vector<constraint>& constraints) {
  if (node.state() != "ready" || node.availability() != "active")
    return false;
  if (!node.drivers().empty() && !spec.driver().empty()) {
    std::string list = "," + node.drivers() + ",";
    if (list.find("," + spec.driver() + ",") == std::string::npos)
      return false;
  }
  for (auto& c : constraints)
    if (!c.matches(node))
      return false;
  return true;
}

// The service's constraints; nullopt if one does not parse.
std::optional<std::vector<constraint>> parsed_constraints(
  const pb::ServiceSpec& spec) {
  std::vector<constraint> out;
  for (auto& text : spec.constraints()) {
    std::string error;
    auto c = parse_constraint(text, &error);
    if (!c)
      return std::nullopt;
    out.push_back(*c);
  }
  return out;
}

// Which live replicated tasks must move: those on a known node that is no
// longer eligible (not ready, not active, or failing the constraints).
// Pending tasks (no node) and tasks of global services never move.
class mover {
public:
  explicit mover(const reconcile_input& in)
    : spec_(in.service->spec()), constraints_(parsed_constraints(spec_)) {
    if (!is_global_mode(spec_))
      for (auto* n : in.nodes)
        nodes_[n->name()] = n;
  }
  bool must_move(const pb::Task& t) const {
    auto it = nodes_.find(t.node());
    return live(t) && constraints_ && it != nodes_.end()
           && !node_eligible(*it->second, spec_, *constraints_);
  }

private:
  const pb::ServiceSpec& spec_;
  std::optional<std::vector<constraint>> constraints_;
  std::map<std::string, const pb::Node*> nodes_;
};

std::vector<group> replicated_groups(const reconcile_input& in) {
  uint32_t replicas = wanted_slots(in.service->spec());
  std::map<uint32_t, group> by_slot;
  for (uint32_t s = 1; s <= replicas; ++s)
    by_slot[s].wanted = true;
  for (auto* t : in.tasks)
    by_slot[t->slot()].tasks.push_back(t);
  std::vector<group> out;
  for (auto& [slot, g] : by_slot) {
    g.slot = slot;
    g.wanted = slot >= 1 && slot <= replicas;
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<group> global_groups(const reconcile_input& in) {
  const auto& spec = in.service->spec();
  auto constraints = parsed_constraints(spec);
  std::map<std::string, group> by_node;
  for (auto* n : in.nodes)
    if (constraints && node_eligible(*n, spec, *constraints))
      by_node[n->name()].wanted = true;
  for (auto* t : in.tasks)
    by_node[t->node()].tasks.push_back(t);
  std::vector<group> out;
  for (auto& [node, g] : by_node) {
    g.node = node;
    g.wanted = g.wanted && !node.empty();
    out.push_back(std::move(g));
  }
  return out;
}

// The live task a group keeps: one that may stay on its node first, then
// current spec, then furthest along, then newest.
const pb::Task* keeper(const group& g, uint64_t spec_version, const mover& m) {
  const pb::Task* best = nullptr;
  for (auto* t : g.tasks) {
    if (!live(*t))
      continue;
    auto rank = [&](const pb::Task* x) {
      return std::make_tuple(!m.must_move(*x), x->spec_version() == spec_version,
                             x->state(), x->created_at(), x->id());
    };
    if (!best || rank(t) > rank(best))
      best = t;
  }
  return best;
}

// The moving task kept running while the group's keeper is not yet RUNNING
// (start-first): the furthest along, then newest. Null when there is none
// or the keeper runs (`keeper_stays` false: the keeper is being replaced).
const pb::Task* held_back(const group& g, const pb::Task* keep,
                          bool keeper_stays, const mover& m) {
  if (!keep || m.must_move(*keep)
      || (keeper_stays && keep->state() == pb::RUNNING))
    return nullptr;
  const pb::Task* best = nullptr;
  for (auto* t : g.tasks)
    if (m.must_move(*t)
        && (!best || std::make_tuple(t->state(), t->created_at(), t->id())
                       > std::make_tuple(best->state(), best->created_at(),
                                         best->id())))
      best = t;
  return best;
}

// True when the newest task of the group ended FAILED or COMPLETE on the
// current spec: the worker's restart policy gave up, so nothing is created.
bool gave_up(const group& g, uint64_t spec_version) {
  const pb::Task* newest = g.tasks.empty() ? nullptr : g.tasks.back();
  return newest && newest->desired_state() == pb::RUNNING
         && newest->spec_version() == spec_version
         && (newest->state() == pb::FAILED || newest->state() == pb::COMPLETE);
}

// How many tasks may be created this round: a replicated-job runs at most
// `max_concurrent` at once and starts nothing once one of its tasks failed
// (the restart policy gave up: the job failed); other modes are unbounded.
uint32_t job_budget(const pb::ServiceSpec& spec, const std::vector<group>& groups,
                    uint64_t spec_version) {
  if (spec.mode() != "replicated-job")
    return UINT32_MAX;
  uint32_t running = 0;
  for (const auto& g : groups) {
    const pb::Task* newest = g.tasks.empty() ? nullptr : g.tasks.back();
    if (g.wanted && newest && newest->spec_version() == spec_version
        && newest->desired_state() == pb::RUNNING
        && newest->state() == pb::FAILED)
      return 0;
    for (auto* t : g.tasks)
      running += live(*t);
  }
  uint32_t most = job_max_concurrent(spec);
  return running >= most ? 0 : most - running;
}

verdict classify(const group& g, const pb::Task* keep, uint64_t spec_version,
                 const mover& m) {
  if (!g.wanted)
    return verdict::unwanted;
  if (keep && m.must_move(*keep))
    return gave_up(g, spec_version) ? verdict::leave : verdict::move;
  if (keep)
    return keep->spec_version() == spec_version ? verdict::current
                                                : verdict::outdated;
  return gave_up(g, spec_version) ? verdict::leave : verdict::refill;
}

struct emitter {
  const reconcile_input& in;
  const task_id_source& new_id;
  std::vector<pb::Change> out;

  void shutdown(const pb::Task& t) {
    auto* d = out.emplace_back().mutable_set_desired();
    d->set_task_id(t.id());
    d->set_desired_state(pb::SHUTDOWN);
  }

  void create(const group& g) {
    const pb::Service& svc = *in.service;
    bool global = is_global_mode(svc.spec());
    out.push_back(create_task_change(
      svc, global ? 0 : g.slot, global ? g.node : "",
      new_id(svc, global ? g.node : std::to_string(g.slot)), in.now_ms));
  }

  // Removes terminal tasks beyond the newest `limit` of the group (at least
  // the newest one stays: it tells whether a failed slot is left alone).
  void collect(const group& g) {
    size_t keep = std::max<uint32_t>(in.history_limit, 1);
    size_t seen = 0;
    for (auto it = g.tasks.rbegin(); it != g.tasks.rend(); ++it) {
      if (!is_terminal((*it)->state()))
        continue;
      if (++seen > keep)
        out.emplace_back().set_remove_task((*it)->id());
    }
  }
};

} // namespace

std::vector<pb::Change> reconcile(const reconcile_input& in,
                                  const task_id_source& new_id) {
  if (!in.service)
    return {};
  uint64_t version = in.service->spec_version();
  auto groups = is_global_mode(in.service->spec()) ? global_groups(in)
                                                   : replicated_groups(in);
  mover m(in);
  std::vector<const pb::Task*> keeps;
  std::vector<verdict> verdicts;
  for (auto& g : groups) {
    std::sort(g.tasks.begin(), g.tasks.end(), older);
    keeps.push_back(keeper(g, version, m));
    verdicts.push_back(classify(g, keeps.back(), version, m));
  }
  uint32_t budget = job_budget(in.service->spec(), groups, version);
  emitter em{in, new_id, {}};
  for (size_t i = 0; i < groups.size(); ++i) {
    const group& g = groups[i];
    const pb::Task* held = held_back(g, keeps[i], true, m);
    for (auto* t : g.tasks) {
      // Live tasks on an old spec in a wanted slot are the rolling-update
      // planner's (rollout.hpp), unless they must move off their node.
      bool rolling = g.wanted && t->spec_version() != version
                     && !m.must_move(*t);
      bool extra = live(*t) && t != keeps[i] && t != held && !rolling;
      bool stale = verdicts[i] == verdict::unwanted
                   && t->desired_state() == pb::RUNNING;
      if (extra || stale)
        em.shutdown(*t);
    }
    if ((verdicts[i] == verdict::refill || verdicts[i] == verdict::move)
        && budget > 0) {
      em.create(g);
      --budget;
    }
    em.collect(g);
  }
  return std::move(em.out);
}

pb::Change create_task_change(const pb::Service& svc, uint32_t slot,
                              const std::string& node, const std::string& id,
                              int64_t now_ms) {
  pb::Change c;
  auto* t = c.mutable_create_task();
  t->set_id(id);
  t->set_service(svc.spec().name());
  t->set_slot(slot);
  t->set_node(node);
  t->set_spec_version(svc.spec_version());
  *t->mutable_spec() = svc.spec();
  t->set_desired_state(pb::RUNNING);
  t->set_state(pb::PENDING);
  t->set_created_at(now_ms);
  t->set_updated_at(now_ms);
  return c;
}

std::string random_task_suffix() {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(alphabet) - 2);
  std::string out(10, 'a');
  for (auto& c : out)
    c = alphabet[pick(gen)];
  return out;
}

} // namespace troupe
