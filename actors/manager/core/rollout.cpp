// plan_rollout(): the rolling-update planner (see rollout.hpp). Each slot
// (node) of the service is classified first; the counts decide the rollout's
// state, then the step is emitted.
#include "actors/manager/core/rollout.hpp"

#include <algorithm>
#include <map>

#include <google/protobuf/util/message_differencer.h>

#include "config/service_mode.hpp"

namespace troupe {
namespace {

bool terminal(pb::TaskState s) { return s >= pb::COMPLETE; }

bool live(const pb::Task& t) {
  return t.desired_state() == pb::RUNNING && !terminal(t.state());
}

bool older(const pb::Task* a, const pb::Task* b) {
  if (a->created_at() != b->created_at())
    return a->created_at() < b->created_at();
  return a->id() < b->id();
}

enum class slot_kind { done, untouched, failed, in_flight, candidate, idle };

struct slot {
  rollout_start where;
  std::vector<const pb::Task*> tasks;  // oldest first
  slot_kind kind = slot_kind::idle;
  std::vector<const pb::Task*> old_live;
  const pb::Task* fresh = nullptr;     // the newest live task on the current spec
  std::string failure;                 // why it failed
};

struct judge {
  uint64_t version;
  int64_t monitor_ms;
  int64_t now;
  int64_t since;  // the rollout's start: older tasks are not its own

  // A task this rollout started (created at or after its start, by the
  // leader's clock); only those are judged, and a task created after the
  // start restarted, if at all, after it.
  bool started_by_it(const pb::Task& t) const {
    return t.created_at() >= since;
  }

  bool ready(const pb::Task& t, bool count_restarts = true) const {
    return runs_healthy(t) && !(count_restarts && t.restarts() > 0);
  }
  bool stable(const pb::Task& t) const {
    return ready(t) && now - t.started_at() >= monitor_ms;
  }
  // Why a task on the current spec failed; "" when it did not.
  std::string failure(const pb::Task& t) const {
    std::string what = t.message().empty() ? "" : ": " + t.message();
    if (t.state() == pb::FAILED || t.state() == pb::COMPLETE)
      return "task " + t.id() + " ended" + what;
    if (!live(t) || stable(t))
      return "";
    if (t.health() == "unhealthy")
      return "task " + t.id() + " is unhealthy" + what;
    if (t.restarts() > 0)
      return "task " + t.id() + " restarted" + what;
    return "";
  }
};

void classify(slot& s, const judge& j) {
  std::sort(s.tasks.begin(), s.tasks.end(), older);
  const pb::Task* newest_new = nullptr;
  for (auto* t : s.tasks) {
    if (t->spec_version() == j.version) {
      newest_new = t;
      if (live(*t))
        s.fresh = t;
    } else if (live(*t)) {
      s.old_live.push_back(t);
    }
  }
  if (s.fresh && !j.started_by_it(*s.fresh)) {
    // Already on the target spec before the rollout began (e.g. never
    // touched by the update a rollback undoes): not the rollout's to judge.
    s.kind = slot_kind::untouched;
    return;
  }
  if (s.fresh) {
    s.failure = j.failure(*s.fresh);
    s.kind = j.stable(*s.fresh)     ? slot_kind::done
             : !s.failure.empty()   ? slot_kind::failed
                                    : slot_kind::in_flight;
    return;
  }
  bool ended_new = newest_new && newest_new->desired_state() == pb::RUNNING
                   && (newest_new->state() == pb::FAILED
                       || newest_new->state() == pb::COMPLETE);
  if (ended_new && !j.started_by_it(*newest_new) && s.old_live.empty()) {
    s.kind = slot_kind::idle; // ended before the rollout: the reconciler's
    return;
  }
  if (ended_new && j.started_by_it(*newest_new)) {
    s.failure = j.failure(*newest_new);
    s.kind = slot_kind::failed;
    return;
  }
  // Nothing live on the new spec: the planner starts one where an old task
  // still runs; elsewhere the reconciler refills the slot.
  s.kind = s.old_live.empty() ? slot_kind::in_flight : slot_kind::candidate;
}

std::vector<slot> slots_of(const rollout_input& in) {
  const auto& spec = in.service->spec();
  bool global = is_global_mode(spec);
  std::map<std::string, slot> by_key;
  if (!global)
    for (uint32_t n = 1; n <= spec.replicas(); ++n)
      by_key[std::to_string(n)].where.slot = n;
  for (auto* t : in.tasks) {
    if (global) {
      if (t->node().empty())
        continue;
      auto& s = by_key[t->node()];
      s.where.node = t->node();
      s.tasks.push_back(t);
    } else {
      auto it = by_key.find(std::to_string(t->slot()));
      if (it != by_key.end())
        it->second.tasks.push_back(t);
    }
  }
  std::vector<slot> out;
  for (auto& [key, s] : by_key) {
    if (global) {
      // A node counts while it has a live task or its newest is current.
      bool any_live = std::any_of(s.tasks.begin(), s.tasks.end(),
                                  [](auto* t) { return live(*t); });
      if (!any_live)
        continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace

bool has_health_check(const pb::ServiceSpec& spec) {
  const auto& h = spec.health();
  return spec.has_health()
         && (h.cmd_size() > 0 || h.tcp() || !h.http().empty());
}

bool runs_healthy(const pb::Task& t) {
  if (t.state() != pb::RUNNING || t.pid() == 0)
    return false;
  return !has_health_check(t.spec()) || t.health() == "healthy";
}

bool is_rolling_back(const pb::UpdateStatus& status) {
  return status.state().rfind("rollback", 0) == 0
         || status.state() == "rolled_back";
}

rollout_plan plan_rollout(const rollout_input& in) {
  rollout_plan plan;
  if (!in.service || is_job_mode(in.service->spec()))
    return plan; // a changed job runs again; it is never rolled out
  const pb::Service& svc = *in.service;
  const pb::UpdateStatus& current = svc.update_status();
  pb::UpdateStatus next = current;
  if (current.spec_version() != svc.spec_version()) {
    next = pb::UpdateStatus{}; // a spec this status does not describe
    next.set_spec_version(svc.spec_version());
  }
  bool back = is_rolling_back(next);
  const pb::UpdatePolicy& policy = back ? svc.spec().rollback()
                                        : svc.spec().update();
  bool starting = next.state().empty(); // this round starts the rollout
  judge j{svc.spec_version(), policy.monitor_ms(), in.now_ms,
          starting ? in.now_ms : next.started_at()};
  auto slots = slots_of(in);
  uint32_t done = 0, failed = 0, in_flight = 0;
  std::vector<slot*> candidates;
  std::string first_failure;
  int64_t last_stable = 0;
  bool outdated = false;
  for (auto& s : slots) {
    classify(s, j);
    outdated = outdated || !s.old_live.empty();
    switch (s.kind) {
      case slot_kind::done:
        ++done;
        last_stable = std::max(last_stable,
                               s.fresh->started_at() + policy.monitor_ms());
        for (auto* t : s.old_live)
          plan.stop.push_back(t->id()); // start-first: its replacement is stable
        break;
      case slot_kind::failed:
        ++failed;
        if (first_failure.empty())
          first_failure = s.failure;
        if (policy.order() != "start-first")
          for (auto* t : s.old_live)
            plan.stop.push_back(t->id()); // stop-first: old ones do not stay
        break;
      case slot_kind::in_flight:
        ++in_flight;
        if (s.fresh && j.ready(*s.fresh)) {
          int64_t at = s.fresh->started_at() + policy.monitor_ms();
          if (plan.wake_at_ms == 0 || at < plan.wake_at_ms)
            plan.wake_at_ms = at;
        }
        break;
      case slot_kind::untouched:
        ++done; // on the target spec already; counted, never judged
        if (j.ready(*s.fresh, false))
          for (auto* t : s.old_live)
            plan.stop.push_back(t->id());
        break;
      case slot_kind::candidate: candidates.push_back(&s); break;
      case slot_kind::idle: break;
    }
  }
  const std::string& state = next.state();
  bool active = state == "updating" || state == "rollback_started"
                || (state.empty() && (outdated || !candidates.empty()));
  if (active || state == "paused" || state == "rollback_paused") {
    next.set_updated(done);
    next.set_failed(failed);
  }
  if (active) {
    if (state.empty()) {
      next.set_state("updating");
      next.set_started_at(in.now_ms);
    }
    uint32_t attempted = done + failed + in_flight;
    bool too_many = failed > 0
                    && static_cast<double>(failed)
                         > policy.max_failure_ratio() * std::max(attempted, 1u);
    const std::string& action = policy.failure_action();
    if (too_many && action != "continue") {
      if (action == "rollback" && !back && svc.has_previous_spec()) {
        plan.rollback = true;
        plan.rollback_reason = "update failed: " + first_failure;
      } else {
        next.set_state(back ? "rollback_paused" : "paused");
        next.set_message((back ? "rollback paused: " : "update paused: ")
                         + first_failure);
      }
      candidates.clear();
    } else if (candidates.empty() && in_flight == 0) {
      next.set_state(back ? "rolled_back" : "completed");
      next.set_completed_at(in.now_ms);
      if (failed > 0 && !back)
        next.set_message(std::to_string(failed) + " tasks failed: "
                         + first_failure);
    } else if (in_flight == 0 && !candidates.empty()) {
      int64_t after = last_stable + policy.delay_ms();
      if (policy.delay_ms() > 0 && done > 0 && in.now_ms < after) {
        plan.wake_at_ms = after;
      } else {
        size_t batch = policy.parallelism() == 0 ? candidates.size()
                                                 : policy.parallelism();
        bool stop_first = policy.order() != "start-first";
        for (size_t i = 0; i < candidates.size() && i < batch; ++i) {
          if (stop_first)
            for (auto* t : candidates[i]->old_live)
              plan.stop.push_back(t->id());
          plan.start.push_back(candidates[i]->where);
        }
      }
    }
  } else if (state.empty()) {
    return plan; // no rollout was ever asked for
  }
  if (plan.rollback)
    return plan; // the rollback's apply writes the status
  plan.has_status = !google::protobuf::util::MessageDifferencer::Equals(
    next, current);
  if (plan.has_status)
    plan.status = next;
  return plan;
}

std::vector<pb::Change> rollout_changes(
  const pb::Service& svc, const rollout_plan& plan,
  const std::function<pb::Change(const rollout_start&)>& create) {
  std::vector<pb::Change> out;
  for (const auto& id : plan.stop) {
    auto* d = out.emplace_back().mutable_set_desired();
    d->set_task_id(id);
    d->set_desired_state(pb::SHUTDOWN);
  }
  for (const auto& s : plan.start)
    out.push_back(create(s));
  if (plan.rollback) {
    auto* r = out.emplace_back().mutable_rollback_service();
    r->set_service(svc.spec().name());
    r->set_reason(plan.rollback_reason);
    r->set_spec_version(svc.spec_version());
  }
  if (plan.has_status) {
    auto* u = out.emplace_back().mutable_update_status();
    u->set_service(svc.spec().name());
    *u->mutable_status() = plan.status;
  }
  return out;
}

} // namespace troupe
