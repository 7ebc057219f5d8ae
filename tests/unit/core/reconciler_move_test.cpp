// reconcile() moving replicated tasks off nodes that are drained, not ready
// or no longer meet the service's constraints: the replacement starts first,
// the old task stops only once the replacement runs (reconciler.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "actors/manager/core/reconciler.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

class move_test : public ::testing::Test {
protected:
  // Nodes w1 and w2, both zone=eu; service app_web (1 replica) running on w1
  // as task app_web.1.id1.
  void SetUp() override {
    for (auto name : {"w1", "w2"}) {
      auto n = node(name);
      (*n.mutable_labels())["zone"] = "eu";
      apply(entry_builder(next_).put_node(n));
    }
    auto spec = service_spec("app", "web", 1);
    spec.add_constraints("node.labels.zone == eu");
    apply(entry_builder(next_).deploy(stack_spec("app", {spec})));
    step();
    run(first, "w1");
  }
  void apply(const pb::Entry& e) {
    state_.apply(e);
    ++next_;
  }
  std::vector<pb::Change> step(const std::string& svc = "app_web") {
    reconcile_input in;
    in.service = state_.find_service(svc);
    in.tasks = state_.tasks_of(svc);
    for (auto& [name, n] : state_.nodes())
      in.nodes.push_back(&n);
    in.now_ms = static_cast<int64_t>(next_) * 1000;
    auto out = reconcile(in, [this](const pb::Service& s, const std::string& k) {
      return s.spec().name() + "." + k + ".id" + std::to_string(++ids_);
    });
    entry_builder e(next_);
    for (auto& c : out)
      e.change(c);
    apply(e);
    return out;
  }
  void run(const std::string& id, const std::string& node) {
    apply(entry_builder(next_).assign(id, node));
    apply(entry_builder(next_).status(id, pb::RUNNING, 100 + ids_));
  }
  void update_node(const std::string& name, const std::string& availability,
                   const std::vector<std::string>& labels_rm = {}) {
    pb::Change c;
    auto* u = c.mutable_node_update();
    u->set_name(name);
    u->set_availability(availability);
    for (auto& k : labels_rm)
      u->add_labels_rm(k);
    apply(entry_builder(next_).change(c));
  }
  const pb::Task& task(const std::string& id) {
    auto* t = state_.find_task(id);
    EXPECT_NE(t, nullptr) << id;
    return *t;
  }
  // Ids of the live tasks, sorted.
  std::vector<std::string> live_ids(const std::string& svc = "app_web") {
    std::vector<std::string> out;
    for (auto* t : state_.tasks_of(svc))
      if (t->desired_state() == pb::RUNNING && !is_terminal(t->state()))
        out.push_back(t->id());
    std::sort(out.begin(), out.end());
    return out;
  }

  const std::string first = "app_web.1.id1";
  const std::string second = "app_web.1.id2";
  cluster_state state_;
  uint64_t next_ = 1;
  int ids_ = 0;
};

} // namespace

// Each way a node stops being fit for the task moves it the same way.
TEST_F(move_test, replacement_starts_first_then_the_old_task_stops) {
  struct row {
    const char* what;
    std::function<void()> make_unfit;
  };
  std::vector<row> rows = {
      {"drained", [this] { update_node("w1", "drain"); }},
      {"constraint label removed", [this] { update_node("w1", "", {"zone"}); }},
      {"not ready", [this] {
         auto w1 = *state_.find_node("w1");
         w1.set_state("unknown");
         apply(entry_builder(next_).put_node(w1));
       }},
  };
  for (auto& r : rows) {
    SCOPED_TRACE(r.what);
    TearDown();
    state_ = cluster_state{};
    next_ = 1;
    ids_ = 0;
    SetUp();
    r.make_unfit();
    auto out = step();
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].has_create_task());
    EXPECT_EQ(out[0].create_task().slot(), 1u);
    EXPECT_EQ(live_ids(), (std::vector<std::string>{first, second}))
      << "the old task keeps running while its replacement is pending";
    EXPECT_TRUE(step().empty()) << "one replacement, not one per pass";
    apply(entry_builder(next_).assign(second, "w2"));
    EXPECT_TRUE(step().empty()) << "assigned is not running yet";
    apply(entry_builder(next_).status(second, pb::RUNNING, 7));
    out = step();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].set_desired().task_id(), first);
    EXPECT_EQ(out[0].set_desired().desired_state(), pb::SHUTDOWN);
    EXPECT_EQ(live_ids(), std::vector<std::string>{second});
  }
}

TEST_F(move_test, activate_does_not_move_tasks_back) {
  update_node("w1", "drain");
  step();
  run(second, "w2");
  step();
  apply(entry_builder(next_).status(first, pb::SHUTDOWN));
  update_node("w1", "active");
  EXPECT_TRUE(step().empty());
  EXPECT_EQ(live_ids(), std::vector<std::string>{second});
  EXPECT_EQ(task(second).node(), "w2");
}

TEST_F(move_test, activate_before_the_replacement_runs_calls_the_move_off) {
  update_node("w1", "drain");
  step();
  update_node("w1", "active");
  auto out = step();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].set_desired().task_id(), second);
  EXPECT_EQ(task(second).state(), pb::SHUTDOWN) << "never assigned";
  EXPECT_EQ(live_ids(), std::vector<std::string>{first});
  EXPECT_TRUE(step().empty());
}

TEST_F(move_test, a_replacement_that_failed_leaves_the_old_task_running) {
  update_node("w1", "drain");
  step();
  apply(entry_builder(next_).assign(second, "w2"));
  apply(entry_builder(next_).status(second, pb::FAILED));
  EXPECT_TRUE(step().empty()) << "the restart policy gave up on this spec";
  EXPECT_EQ(live_ids(), std::vector<std::string>{first});
}

TEST_F(move_test, a_rejected_replacement_is_replaced_again) {
  update_node("w1", "drain");
  step();
  apply(entry_builder(next_).assign(second, "w2"));
  apply(entry_builder(next_).status(second, pb::REJECTED));
  auto out = step();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].has_create_task());
  EXPECT_EQ(live_ids().size(), 2u);
  EXPECT_EQ(live_ids()[0], first);
}

TEST_F(move_test, a_spec_change_mid_move_swaps_the_pending_replacement) {
  auto spec = state_.find_service("app_web")->spec();
  spec.set_replicas(2);
  apply(entry_builder(next_).deploy(stack_spec("app", {spec})));
  step();
  run("app_web.2.id2", "w2");
  update_node("w1", "drain");
  step();  // slot 1 gets a pending replacement, id3
  (*spec.mutable_env())["V"] = "2";
  apply(entry_builder(next_).deploy(stack_spec("app", {spec})));
  EXPECT_TRUE(step().empty())
    << "outdated tasks, moving or not, are the rollout planner's";
  EXPECT_EQ(live_ids(), (std::vector<std::string>{first, "app_web.1.id3",
                                                  "app_web.2.id2"}));
}

TEST_F(move_test, global_tasks_on_a_drained_node_are_shut_down_not_moved) {
  auto web = state_.find_service("app_web")->spec();
  auto g = service_spec("app", "agent", 0);
  g.set_mode("global");
  apply(entry_builder(next_).deploy(stack_spec("app", {web, g})));
  step("app_agent");
  for (auto& id : live_ids("app_agent"))
    run(id, task(id).node());
  ASSERT_EQ(live_ids("app_agent").size(), 2u);
  update_node("w2", "drain");
  auto out = step("app_agent");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].set_desired().task_id(), "app_agent.w2.id3");
  ASSERT_EQ(live_ids("app_agent").size(), 1u);
  EXPECT_EQ(task(live_ids("app_agent")[0]).node(), "w1");
}
