// A seeded random simulation of the manager loop: reconcile -> place ->
// workers report, with random scaling, spec updates, failures, rejections,
// orphaned tasks, and nodes w2/w3 drained, activated, or losing and regaining
// the label the service's constraint needs (w1 always fits). After the noise
// stops the service must converge, every task on a node that fits.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "actors/manager/core/placement.hpp"
#include "actors/manager/core/reconciler.hpp"
#include "actors/manager/core/rollout.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

const std::string svc_name = "app_web";

class simulation {
public:
  explicit simulation(uint32_t seed) : rng_(seed) {
    entry_builder e(next_index());
    for (auto name : {"w1", "w2", "w3"}) {
      auto n = node(name);
      (*n.mutable_labels())["zone"] = "eu";
      e.put_node(n);
    }
    state_.apply(e);
    spec_ = service_spec("app", "web", pick(0, 6));
    spec_.add_constraints("node.labels.zone == eu");
    spec_.mutable_update()->set_parallelism(pick(0, 2));
    // Disturbances fail new tasks too: the rollout goes on regardless.
    spec_.mutable_update()->set_failure_action("continue");
    spec_.add_ports()->set_name("http");
    deploy();
  }

  uint32_t pick(uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_);
  }

  void deploy() {
    state_.apply(entry_builder(next_index()).deploy(stack_spec("app", {spec_})));
  }

  // One random disturbance.
  void disturb() {
    switch (pick(0, 7)) {
      case 0:
        spec_.set_replicas(pick(0, 8));
        state_.apply(entry_builder(next_index()).scale(svc_name, spec_.replicas()));
        break;
      case 1:
        (*spec_.mutable_env())["V"] = std::to_string(pick(0, 1000000));
        deploy();
        break;
      case 2: end_random_task(pb::RUNNING, pb::FAILED); break;
      case 3: end_random_task(pb::ASSIGNED, pb::REJECTED); break;
      case 4: end_random_task(pb::RUNNING, pb::ORPHANED); break;
      case 6: toggle_node(pick(0, 1) ? "w2" : "w3", false); break;
      case 7: toggle_node(pick(0, 1) ? "w2" : "w3", true); break;
      default: break;
    }
  }

  // Drains/activates the node, or removes/restores its zone label.
  void toggle_node(const std::string& name, bool label) {
    const pb::Node& n = *state_.find_node(name);
    pb::Change c;
    auto* u = c.mutable_node_update();
    u->set_name(name);
    if (!label)
      u->set_availability(n.availability() == "active" ? "drain" : "active");
    else if (n.labels().count("zone"))
      u->add_labels_rm("zone");
    else
      (*u->mutable_labels_add())["zone"] = "eu";
    state_.apply(entry_builder(next_index()).change(c));
  }

  // Whether the service may run on `name` (ready, active, zone == eu).
  bool fits(const std::string& name) const {
    const pb::Node* n = state_.find_node(name);
    return n && n->state() == "ready" && n->availability() == "active"
           && n->labels().count("zone") && n->labels().at("zone") == "eu";
  }

  // A spec change nobody has deployed before.
  void new_spec() {
    (*spec_.mutable_env())["V"] = "final-" + std::to_string(++ids_);
    deploy();
  }

  void end_random_task(pb::TaskState from, pb::TaskState to) {
    std::vector<std::string> ids;
    for (auto& [id, t] : state_.tasks())
      if (t.state() == from)
        ids.push_back(id);
    if (!ids.empty())
      state_.apply(entry_builder(next_index()).status(
        ids[pick(0, ids.size() - 1)], to));
  }

  // The manager and the workers take one turn; true if anything changed.
  bool turn(bool all_workers) {
    bool changed = reconcile_step();
    changed = schedule() || changed;
    return work(all_workers) || changed;
  }

  bool reconcile_step() {
    reconcile_input in;
    in.service = state_.find_service(svc_name);
    in.tasks = state_.tasks_of(svc_name);
    for (auto& [name, n] : state_.nodes())
      in.nodes.push_back(&n);
    in.now_ms = now();
    auto id = [this](const pb::Service& s, const std::string& k) {
      return s.spec().name() + "." + k + "." + std::to_string(++ids_);
    };
    auto out = reconcile(in, id);
    // The rolling-update planner, as the service actor runs it.
    rollout_input r{in.service, in.tasks, in.now_ms};
    for (auto& c : rollout_changes(
           *in.service, plan_rollout(r), [&](const rollout_start& st) {
             return create_task_change(*in.service, st.slot, st.node,
                                       id(*in.service, std::to_string(st.slot)),
                                       in.now_ms);
           }))
      out.push_back(c);
    entry_builder e(next_index());
    for (auto& c : out)
      e.change(c);
    return !state_.apply(e).empty();
  }

  bool schedule() {
    placement_input in;
    for (auto& [name, n] : state_.nodes())
      in.nodes.push_back(&n);
    for (auto& [id, t] : state_.tasks()) {
      if (t.state() == pb::PENDING)
        in.pending.push_back(&t);
      else if (!is_terminal(t.state()) && !t.node().empty())
        in.live_tasks.push_back(&t);
    }
    entry_builder e(next_index());
    for (auto& a : place(in)) {
      pb::Change c;
      *c.mutable_assign_task() = a;
      e.change(c);
    }
    return !state_.apply(e).empty();
  }

  // Workers start assigned tasks and stop those asked to stop (some of them,
  // unless `all`).
  bool work(bool all) {
    entry_builder e(next_index());
    for (auto& [id, t] : state_.tasks()) {
      if (!all && pick(0, 2) == 0)
        continue;
      if (t.desired_state() == pb::SHUTDOWN && !is_terminal(t.state()))
        e.status(id, pb::SHUTDOWN);
      else if (t.desired_state() == pb::RUNNING && t.state() == pb::ASSIGNED)
        e.status(id, pb::RUNNING, 100);  // with a process: done for a rollout
    }
    return !state_.apply(e).empty();
  }

  // Live tasks per slot, checked after every reconcile.
  std::map<uint32_t, std::vector<const pb::Task*>> live_by_slot() const {
    std::map<uint32_t, std::vector<const pb::Task*>> out;
    for (auto* t : state_.tasks_of(svc_name))
      if (t->desired_state() == pb::RUNNING && !is_terminal(t->state()))
        out[t->slot()].push_back(t);
    return out;
  }

  const cluster_state& state() const { return state_; }
  const pb::ServiceSpec& spec() const { return spec_; }

private:
  uint64_t next_index() { return ++index_; }
  int64_t now() const { return static_cast<int64_t>(index_ + 1) * 1000; }

  std::mt19937 rng_;
  cluster_state state_;
  pb::ServiceSpec spec_;
  uint64_t index_ = 0;
  int ids_ = 0;
};

// Every slot up to replicas holds one live task, unless the restart policy
// gave up on it on the current spec; none above replicas.
void expect_converged(const simulation& sim, bool strict) {
  auto live = sim.live_by_slot();
  const auto& svc = *sim.state().find_service(svc_name);
  uint32_t replicas = svc.spec().replicas();
  for (auto& [slot, tasks] : live) {
    EXPECT_LE(tasks.size(), 1u) << "slot " << slot;
    EXPECT_TRUE(slot >= 1 && slot <= replicas) << "live task in slot " << slot;
    for (auto* t : tasks) {
      EXPECT_EQ(t->state(), pb::RUNNING) << t->id();
      EXPECT_TRUE(sim.fits(t->node())) << t->id() << " on " << t->node();
      EXPECT_EQ(t->spec_version(), svc.spec_version()) << t->id();
    }
  }
  for (uint32_t slot = 1; slot <= replicas; ++slot) {
    if (live.count(slot))
      continue;
    EXPECT_FALSE(strict) << "slot " << slot << " is empty";
    const pb::Task* newest = nullptr;
    for (auto* t : sim.state().tasks_of(svc_name))
      if (t->slot() == slot && (!newest || t->created_at() >= newest->created_at()))
        newest = t;
    ASSERT_NE(newest, nullptr) << "slot " << slot;
    EXPECT_EQ(newest->state(), pb::FAILED) << "slot " << slot;
    EXPECT_EQ(newest->spec_version(), svc.spec_version());
  }
}

void settle(simulation& sim) {
  int turns = 0;
  while (sim.turn(true))
    ASSERT_LT(++turns, 40) << "no convergence";
}

} // namespace

TEST(convergence, random_disturbances_then_convergence) {
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    simulation sim(seed);
    for (int round = 0; round < 60; ++round) {
      if (sim.pick(0, 1) == 0)
        sim.disturb();
      sim.reconcile_step();
      // One live task per slot; two only while one of them moves off a
      // node that no longer fits (its replacement starts first).
      for (auto& [slot, tasks] : sim.live_by_slot()) {
        ASSERT_LE(tasks.size(), 2u) << "round " << round << " slot " << slot;
        if (tasks.size() == 2)
          ASSERT_TRUE(!sim.fits(tasks[0]->node()) || !sim.fits(tasks[1]->node()))
            << "round " << round << " slot " << slot << ": two live tasks, "
            << tasks[0]->id() << " and " << tasks[1]->id() << ", neither moving";
        ASSERT_LE(slot, sim.spec().replicas()) << "round " << round;
      }
      sim.schedule();
      sim.work(false);
    }
    settle(sim);
    expect_converged(sim, false);
    // A new spec revives every slot, failed or not.
    sim.new_spec();
    settle(sim);
    expect_converged(sim, true);
    // Converged means history was collected too: at most 5 ended per slot.
    std::map<uint32_t, size_t> history;
    for (auto* t : sim.state().tasks_of(svc_name))
      history[t->slot()] += is_terminal(t->state());
    for (auto& [slot, ended] : history)
      EXPECT_LE(ended, 5u) << "slot " << slot;
  }
}
