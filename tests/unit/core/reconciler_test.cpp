// reconcile(): the changes that move one service toward its desired state,
// applied through cluster_state the way the service actor would.
#include <gtest/gtest.h>

#include "actors/manager/core/reconciler.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

class reconciler_test : public ::testing::Test {
protected:
  void deploy(const pb::ServiceSpec& spec) {
    apply(entry_builder(next_).deploy(stack_spec("app", {spec})));
  }
  void apply(const pb::Entry& e) {
    state_.apply(e);
    ++next_;
  }
  void apply_changes(const std::vector<pb::Change>& changes) {
    entry_builder e(next_);
    for (auto& c : changes)
      e.change(c);
    apply(e);
  }
  std::vector<pb::Change> reconcile_once(const std::string& svc = "app_web") {
    reconcile_input in;
    in.service = state_.find_service(svc);
    in.tasks = state_.tasks_of(svc);
    for (auto& [name, n] : state_.nodes())
      in.nodes.push_back(&n);
    in.now_ms = static_cast<int64_t>(next_) * 1000;
    return reconcile(in, [this](const pb::Service& s, const std::string& key) {
      return s.spec().name() + "." + key + ".id" + std::to_string(++ids_);
    });
  }
  // Reconciles and applies the output; returns it.
  std::vector<pb::Change> step(const std::string& svc = "app_web") {
    auto out = reconcile_once(svc);
    apply_changes(out);
    return out;
  }
  // Assigns every pending task to w1 and reports every assigned one running.
  void run_all(pb::TaskState to = pb::RUNNING) {
    entry_builder e(next_);
    for (auto& [id, t] : state_.tasks())
      if (t.state() == pb::PENDING)
        e.assign(id, t.node().empty() ? "w1" : t.node());
    apply(e);
    entry_builder r(next_);
    for (auto& [id, t] : state_.tasks())
      if (t.state() == pb::ASSIGNED && t.desired_state() == pb::RUNNING)
        r.status(id, to);
    apply(r);
  }
  // Reports every task asked to stop as shut down.
  void stop_all() {
    entry_builder e(next_);
    for (auto& [id, t] : state_.tasks())
      if (t.desired_state() == pb::SHUTDOWN && !is_terminal(t.state()))
        e.status(id, pb::SHUTDOWN);
    apply(e);
  }
  std::vector<const pb::Task*> live(const std::string& svc = "app_web") {
    std::vector<const pb::Task*> out;
    for (auto* t : state_.tasks_of(svc))
      if (t->desired_state() == pb::RUNNING && !is_terminal(t->state()))
        out.push_back(t);
    return out;
  }
  static size_t count(const std::vector<pb::Change>& changes,
                      pb::Change::OpCase op) {
    size_t n = 0;
    for (auto& c : changes)
      n += c.op_case() == op;
    return n;
  }

  cluster_state state_;
  uint64_t next_ = 1;
  int ids_ = 0;
};

constexpr auto create = pb::Change::kCreateTask;
constexpr auto desire = pb::Change::kSetDesired;
constexpr auto remove_op = pb::Change::kRemoveTask;

} // namespace

TEST_F(reconciler_test, new_service_gets_one_pending_task_per_slot) {
  deploy(service_spec("app", "web", 3));
  auto out = step();
  ASSERT_EQ(out.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    auto& t = out[i].create_task();
    EXPECT_EQ(t.slot(), i + 1);
    EXPECT_EQ(t.service(), "app_web");
    EXPECT_EQ(t.spec_version(), 1u);
    EXPECT_EQ(t.state(), pb::PENDING);
    EXPECT_EQ(t.desired_state(), pb::RUNNING);
    EXPECT_EQ(t.spec().replicas(), 3u);
    EXPECT_EQ(t.id(), "app_web." + std::to_string(i + 1) + ".id"
                        + std::to_string(i + 1));
  }
  EXPECT_TRUE(reconcile_once().empty()) << "converged after one pass";
}

TEST_F(reconciler_test, scale_up_and_down) {
  deploy(service_spec("app", "web", 2));
  step();
  run_all();
  apply(entry_builder(next_).scale("app_web", 4));
  auto up = step();
  EXPECT_EQ(count(up, create), 2u);
  EXPECT_EQ(up[0].create_task().slot(), 3u);
  run_all();
  apply(entry_builder(next_).scale("app_web", 1));
  auto down = step();
  ASSERT_EQ(count(down, desire), 3u);
  EXPECT_EQ(down.size(), 3u);
  EXPECT_TRUE(reconcile_once().empty()) << "shutdowns are not re-emitted";
  stop_all();
  EXPECT_TRUE(reconcile_once().empty());
  ASSERT_EQ(live().size(), 1u);
  EXPECT_EQ(live()[0]->slot(), 1u);
}

TEST_F(reconciler_test, zero_replicas_shuts_everything_down) {
  deploy(service_spec("app", "web", 2));
  step();
  run_all();
  apply(entry_builder(next_).scale("app_web", 0));
  auto out = step();
  EXPECT_EQ(count(out, desire), 2u);
  EXPECT_EQ(count(out, create), 0u);
  EXPECT_TRUE(live().empty());
}

TEST_F(reconciler_test, failed_or_complete_task_on_current_spec_is_left_alone) {
  for (auto end : {pb::FAILED, pb::COMPLETE}) {
    state_ = cluster_state{};
    deploy(service_spec("app", "web", 1));
    step();
    run_all(end);
    EXPECT_TRUE(reconcile_once().empty()) << state_name(end);
  }
}

TEST_F(reconciler_test, rejected_and_orphaned_tasks_are_replaced) {
  for (auto end : {pb::REJECTED, pb::ORPHANED}) {
    state_ = cluster_state{};
    deploy(service_spec("app", "web", 1));
    step();
    run_all(end);
    auto out = reconcile_once();
    ASSERT_EQ(out.size(), 1u) << state_name(end);
    EXPECT_EQ(out[0].create_task().slot(), 1u);
  }
}

TEST_F(reconciler_test, a_new_spec_revives_a_failed_slot) {
  deploy(service_spec("app", "web", 1));
  step();
  run_all(pb::FAILED);
  auto changed = service_spec("app", "web", 1);
  changed.add_command("--verbose");
  deploy(changed);
  auto out = step();
  ASSERT_EQ(count(out, create), 1u);
  EXPECT_EQ(out[0].create_task().spec_version(), 2u);
}

TEST_F(reconciler_test, outdated_tasks_are_left_to_the_rollout_planner) {
  auto spec = service_spec("app", "web", 3);
  spec.mutable_update()->set_parallelism(0);
  deploy(spec);
  step();
  run_all();
  (*spec.mutable_env())["V"] = "2";
  deploy(spec);
  EXPECT_TRUE(reconcile_once().empty()) << "rollout.hpp replaces them";
}

TEST_F(reconciler_test, history_keeps_the_newest_five_per_slot) {
  deploy(service_spec("app", "web", 1));
  for (int i = 0; i < 7; ++i) {
    step();
    run_all(pb::REJECTED);
  }
  auto out = reconcile_once();
  EXPECT_EQ(count(out, create), 1u);
  ASSERT_EQ(count(out, remove_op), 1u) << "one went in the pass before";
  apply_changes(out);
  size_t terminal = 0;
  for (auto* t : state_.tasks_of("app_web"))
    terminal += is_terminal(t->state());
  EXPECT_EQ(terminal, 5u);
  EXPECT_EQ(state_.find_task("app_web.1.id1"), nullptr) << "oldest go first";
  EXPECT_EQ(state_.find_task("app_web.1.id2"), nullptr);
  EXPECT_NE(state_.find_task("app_web.1.id3"), nullptr);
}

class global_reconciler_test : public reconciler_test {
protected:
  void SetUp() override {
    auto w3 = node("w3");
    w3.set_availability("drain");
    auto w4 = node("w4");
    w4.set_state("down");
    auto w5 = node("w5");
    w5.set_drivers("oci");
    auto eu = node("w1");
    (*eu.mutable_labels())["zone"] = "eu";
    auto eu2 = node("w2");
    (*eu2.mutable_labels())["zone"] = "eu";
    apply(entry_builder(next_).put_node(eu).put_node(eu2).put_node(w3)
            .put_node(w4).put_node(w5).put_node(node("w6")));
  }
  pb::ServiceSpec global_spec() {
    auto g = service_spec("app", "web", 0);
    g.set_mode("global");
    return g;
  }
};

TEST_F(global_reconciler_test, one_task_per_eligible_node) {
  deploy(global_spec());
  auto out = step();
  std::vector<std::string> nodes;
  for (auto& c : out) {
    EXPECT_EQ(c.create_task().slot(), 0u);
    nodes.push_back(c.create_task().node());
  }
  EXPECT_EQ(nodes, (std::vector<std::string>{"w1", "w2", "w6"}));
  EXPECT_TRUE(reconcile_once().empty());
}

TEST_F(global_reconciler_test, constraints_limit_nodes) {
  auto g = global_spec();
  g.add_constraints("node.labels.zone == eu");
  deploy(g);
  auto out = step();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].create_task().node(), "w1");
  EXPECT_EQ(out[1].create_task().node(), "w2");
}

TEST_F(global_reconciler_test, an_unparsable_constraint_makes_no_node_eligible) {
  auto g = global_spec();
  g.add_constraints("zone is eu please");
  deploy(g);
  EXPECT_TRUE(reconcile_once().empty());
}

TEST_F(global_reconciler_test, tasks_on_nodes_no_longer_eligible_are_shut_down) {
  deploy(global_spec());
  step();
  run_all();
  apply(entry_builder(next_).node_status("w2", "", "drain")
          .node_status("w6", "down", ""));
  auto out = step();
  // w2's task gets desired SHUTDOWN; w6's was ORPHANED with desired SHUTDOWN
  // when its node went down (issue 10 item 15): nothing left to ask of it.
  ASSERT_EQ(out.size(), 1u);
  for (auto& c : out)
    EXPECT_EQ(c.op_case(), desire);
  ASSERT_EQ(live().size(), 1u);
  EXPECT_EQ(live()[0]->node(), "w1");
  apply(entry_builder(next_).node_status("w2", "", "active"));
  out = step();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].create_task().node(), "w2");
}

TEST_F(reconciler_test, a_failed_slot_scaled_away_and_back_is_refilled) {
  deploy(service_spec("app", "web", 2));
  step();
  run_all(pb::FAILED);
  EXPECT_TRUE(reconcile_once().empty());
  apply(entry_builder(next_).scale("app_web", 1));
  auto down = step();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].set_desired().task_id(), "app_web.2.id2");
  apply(entry_builder(next_).scale("app_web", 2));
  auto up = step();
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].create_task().slot(), 2u);
}

// Issue 10 item 13: job modes. Tasks run to completion; a replicated-job
// runs `completions` tasks, at most `max_concurrent` at once; a global-job
// one per eligible node, once.
namespace {

pb::ServiceSpec job_spec(const std::string& mode, uint32_t completions = 0,
                         uint32_t max_concurrent = 0) {
  auto spec = service_spec("app", "web", 0);
  spec.set_mode(mode);
  spec.set_completions(completions);
  spec.set_max_concurrent(max_concurrent);
  spec.mutable_restart()->set_condition("on-failure");
  return spec;
}

} // namespace

TEST_F(reconciler_test, a_replicated_job_runs_its_completions_max_concurrent_at_a_time) {
  apply(entry_builder(next_).put_node(node("w1")));
  deploy(job_spec("replicated-job", 5, 2));
  std::vector<size_t> started;
  for (int round = 0; round < 5; ++round) {
    auto out = step();
    started.push_back(count(out, create));
    run_all();
    EXPECT_EQ(count(reconcile_once(), create), 0u) << "round " << round;
    entry_builder done(next_);
    for (auto* t : live())
      done.status(t->id(), pb::COMPLETE);
    apply(done);
  }
  EXPECT_EQ(started, (std::vector<size_t>{2, 2, 1, 0, 0}));
  size_t complete = 0;
  for (auto* t : state_.tasks_of("app_web"))
    complete += t->state() == pb::COMPLETE;
  EXPECT_EQ(complete, 5u);
}

TEST_F(reconciler_test, a_replicated_job_with_a_failed_task_starts_no_new_one) {
  apply(entry_builder(next_).put_node(node("w1")));
  deploy(job_spec("replicated-job", 3, 1));
  EXPECT_EQ(count(step(), create), 1u);
  run_all(pb::FAILED);
  EXPECT_EQ(count(reconcile_once(), create), 0u);
}

TEST_F(reconciler_test, a_global_job_runs_once_on_every_eligible_node) {
  apply(entry_builder(next_).put_node(node("w1")).put_node(node("w2")));
  deploy(job_spec("global-job"));
  auto out = step();
  ASSERT_EQ(count(out, create), 2u);
  EXPECT_EQ(out[0].create_task().node(), "w1");
  EXPECT_EQ(out[1].create_task().node(), "w2");
  run_all(pb::COMPLETE);
  EXPECT_EQ(count(reconcile_once(), create), 0u);
}
