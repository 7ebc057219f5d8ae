// A seeded simulation of rolling updates: the reconciler and the planner
// propose, cluster_state applies, and a simulated worker moves tasks along
// in a random order with random delays. Checked: start-first never has
// fewer than `replicas` ready tasks; every rollout ends on the right spec
// with the right state; a failing version rolls back by itself.
#include <gtest/gtest.h>

#include <random>

#include "actors/manager/core/reconciler.hpp"
#include "actors/manager/core/rollout.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

class sim {
public:
  explicit sim(uint32_t seed) : rng_(seed) {}

  void apply(const std::vector<pb::Change>& changes) {
    pb::Entry e;
    e.set_index(++index_);
    e.set_timestamp(now_);
    for (auto& c : changes)
      *e.add_changes() = c;
    state_.apply(e);
  }
  void deploy(const pb::ServiceSpec& spec) {
    pb::Change c;
    *c.mutable_deploy_stack() = stack_spec("app", {spec});
    apply({c});
  }
  // One service-actor round: reconcile + plan, applied at once.
  rollout_plan manager_round() {
    const pb::Service* svc = state_.find_service("app_web");
    reconcile_input in;
    in.service = svc;
    in.tasks = state_.tasks_of("app_web");
    for (auto& [n, node] : state_.nodes())
      in.nodes.push_back(&node);
    in.now_ms = now_;
    auto id = [this](const pb::Service& s, const std::string& key) {
      return s.spec().name() + "." + key + ".t" + std::to_string(++ids_);
    };
    auto changes = reconcile(in, id);
    rollout_input r{svc, in.tasks, now_};
    auto plan = plan_rollout(r);
    for (auto& c : rollout_changes(*svc, plan, [&](const rollout_start& s) {
           return create_task_change(*svc, s.slot, s.node,
                                     id(*svc, std::to_string(s.slot)), now_);
         }))
      changes.push_back(c);
    apply(changes);
    return plan;
  }
  // The worker moves each task one step with probability 1/2.
  void worker_round() {
    std::vector<pb::Change> out;
    std::bernoulli_distribution coin(0.5);
    for (auto& [id, t] : state_.tasks()) {
      if (!coin(rng_) || t.state() >= pb::COMPLETE)
        continue;
      pb::Change c;
      if (t.state() == pb::PENDING && t.desired_state() == pb::RUNNING) {
        auto* a = c.mutable_assign_task();
        a->set_task_id(id);
        a->set_node("w1");
      } else if (t.desired_state() == pb::SHUTDOWN) {
        auto* s = c.mutable_task_status();
        s->set_task_id(id);
        s->set_state(pb::SHUTDOWN);
      } else if (t.state() == pb::ASSIGNED) {
        auto* s = c.mutable_task_status();
        s->set_task_id(id);
        s->set_state(pb::RUNNING);
        s->set_pid(100);
        s->set_started_at(now_);
        s->set_health("starting");
      } else if (t.state() == pb::RUNNING && t.health() == "starting") {
        auto* s = c.mutable_task_status();
        s->set_task_id(id);
        s->set_state(pb::RUNNING);
        s->set_pid(100);
        s->set_started_at(t.started_at());
        bool bad = t.spec().env().count("BAD") > 0;
        s->set_health(bad ? "unhealthy" : "healthy");
        s->set_restarts(bad ? 1 : 0);
      } else {
        continue;
      }
      out.push_back(c);
    }
    apply(out);
  }
  // Slots with a task that is running, healthy and desired running.
  uint32_t ready_slots() const {
    std::set<uint32_t> slots;
    for (auto* t : state_.tasks_of("app_web"))
      if (t->state() == pb::RUNNING && t->desired_state() == pb::RUNNING
          && t->health() == "healthy")
        slots.insert(t->slot());
    return static_cast<uint32_t>(slots.size());
  }
  std::vector<const pb::Task*> live() const {
    std::vector<const pb::Task*> out;
    for (auto* t : state_.tasks_of("app_web"))
      if (t->desired_state() == pb::RUNNING && t->state() < pb::COMPLETE)
        out.push_back(t);
    return out;
  }
  const pb::Service& service() const { return *state_.find_service("app_web"); }
  // Runs rounds until the rollout state is one of `ends`; false on timeout.
  template <class Check>
  bool run_until(const std::set<std::string>& ends, Check check) {
    for (int i = 0; i < 2000; ++i) {
      now_ += 100 + std::uniform_int_distribution<int>(0, 400)(rng_);
      manager_round();
      worker_round();
      check();
      if (ends.count(service().update_status().state()) > 0)
        return true;
    }
    return false;
  }
  void settle() {
    for (int i = 0; i < 200; ++i) {
      now_ += 200;
      manager_round();
      worker_round();
    }
  }

  cluster_state state_;
  std::mt19937 rng_;
  uint64_t index_ = 0;
  int64_t now_ = 1000000;
  int ids_ = 0;
};

pb::ServiceSpec web(uint32_t replicas, const std::string& order) {
  auto s = service_spec("app", "web", replicas);
  s.mutable_health()->set_tcp(true);
  s.mutable_health()->set_interval_ms(100);
  auto* u = s.mutable_update();
  u->set_order(order);
  u->set_monitor_ms(1000);
  u->set_failure_action("rollback");
  *s.mutable_rollback() = *u;
  s.mutable_rollback()->set_failure_action("pause");
  return s;
}

TEST(rollout_sim, start_first_keeps_every_slot_serving) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    sim s(seed);
    uint32_t replicas = 1 + seed % 4;
    auto spec = web(replicas, "start-first");
    spec.mutable_update()->set_parallelism(seed % 3);
    s.deploy(spec);
    s.settle();
    ASSERT_EQ(s.ready_slots(), replicas) << "seed " << seed;
    (*spec.mutable_env())["V"] = "2";
    s.deploy(spec);
    uint32_t fewest = replicas;
    ASSERT_TRUE(s.run_until({"completed"}, [&] {
      fewest = std::min(fewest, s.ready_slots());
    })) << "seed " << seed;
    EXPECT_EQ(fewest, replicas) << "seed " << seed;
    s.settle();
    EXPECT_EQ(s.live().size(), replicas) << "seed " << seed;
    for (auto* t : s.live())
      EXPECT_EQ(t->spec().env().at("V"), "2") << "seed " << seed;
  }
}

TEST(rollout_sim, stop_first_replaces_every_task) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    sim s(seed);
    uint32_t replicas = 1 + seed % 5;
    auto spec = web(replicas, "stop-first");
    spec.mutable_update()->set_parallelism(seed % 3);
    s.deploy(spec);
    s.settle();
    (*spec.mutable_env())["V"] = "2";
    s.deploy(spec);
    ASSERT_TRUE(s.run_until({"completed"}, [] {})) << "seed " << seed;
    EXPECT_EQ(s.service().update_status().updated(), replicas);
    s.settle();
    ASSERT_EQ(s.live().size(), replicas) << "seed " << seed;
    for (auto* t : s.live())
      EXPECT_EQ(t->spec_version(), s.service().spec_version());
  }
}

TEST(rollout_sim, a_failing_version_rolls_back_by_itself) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    sim s(seed);
    uint32_t replicas = 2 + seed % 3;
    auto spec = web(replicas, seed % 2 ? "start-first" : "stop-first");
    s.deploy(spec);
    s.settle();
    auto bad = spec;
    (*bad.mutable_env())["BAD"] = "1";
    s.deploy(bad);
    ASSERT_TRUE(s.run_until({"rolled_back", "rollback_paused"}, [] {}))
      << "seed " << seed;
    EXPECT_EQ(s.service().update_status().state(), "rolled_back");
    EXPECT_NE(s.service().update_status().message().find("update failed"),
              std::string::npos);
    s.settle();
    ASSERT_EQ(s.live().size(), replicas) << "seed " << seed;
    for (auto* t : s.live())
      EXPECT_EQ(t->spec().env().count("BAD"), 0u) << "seed " << seed;
  }
}

} // namespace
