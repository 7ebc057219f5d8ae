// cluster_state as an indexed, versioned store: its indexes follow every
// change, a copy is a view that later entries do not change, and one entry
// costs work proportional to what it touched, not to the cluster's size.
#include <gtest/gtest.h>

#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

std::vector<std::string> ids(const std::vector<const pb::Task*>& tasks) {
  std::vector<std::string> out;
  for (const auto* t : tasks)
    out.push_back(t->id());
  return out;
}

// Stack "big" with service big_web and `n` tasks on nodes n0..n9, built with
// put() (the loaders' way) so that building stays fast.
cluster_state big_state(int n) {
  cluster_state s;
  s.apply(entry_builder(1).deploy(stack_spec("big", {service_spec("big", "web", n)})));
  for (int i = 0; i < 10; ++i)
    s.put(node("n" + std::to_string(i)));
  for (int i = 0; i < n; ++i) {
    pb::Task t;
    t.set_id("big_web." + std::to_string(i) + ".x");
    t.set_service("big_web");
    t.set_slot(static_cast<uint32_t>(i));
    t.set_node("n" + std::to_string(i % 10));
    t.set_state(pb::RUNNING);
    t.set_desired_state(pb::RUNNING);
    s.put(t);
  }
  s.set_index(2);
  return s;
}

} // namespace

TEST(state_view, indexes_follow_creates_assigns_and_deletes) {
  cluster_state s;
  s.apply(entry_builder(1).deploy(stack_spec(
    "app", {service_spec("app", "web", 2), service_spec("app", "db", 1)})));
  s.apply(entry_builder(2).put_node(node("w1")).put_node(node("w2")));
  s.apply(entry_builder(3).create("app_web.2.a", "app_web", 2)
            .create("app_web.1.b", "app_web", 1).create("app_db.1.c", "app_db", 1));
  EXPECT_EQ(ids(s.tasks_of("app_web")),
            (std::vector<std::string>{"app_web.1.b", "app_web.2.a"}));
  EXPECT_TRUE(s.tasks_on("w1").empty());
  s.apply(entry_builder(4).assign("app_web.2.a", "w1").assign("app_db.1.c", "w1"));
  EXPECT_EQ(ids(s.tasks_on("w1")),
            (std::vector<std::string>{"app_db.1.c", "app_web.2.a"}));
  EXPECT_EQ(s.services_of("app").size(), 2u);
  // Node down: its live tasks are orphaned (found through the node index).
  s.apply(entry_builder(5).node_status("w1", "down", ""));
  EXPECT_EQ(s.find_task("app_web.2.a")->state(), pb::ORPHANED);
  EXPECT_EQ(s.find_task("app_web.1.b")->state(), pb::PENDING);
  // Removing the stack deletes terminal tasks and empties every index.
  s.apply(entry_builder(6).remove_stack("app"));
  EXPECT_TRUE(s.services_of("app").empty());
  EXPECT_TRUE(s.tasks_of("app_web").empty());
  EXPECT_TRUE(s.tasks_on("w1").empty());
  EXPECT_TRUE(s.tasks().empty());
}

TEST(state_view, a_reader_holding_an_old_view_sees_it_unchanged) {
  cluster_state s;
  s.apply(entry_builder(1).deploy(stack_spec("app", {service_spec("app", "web", 1)})));
  s.apply(entry_builder(2).create("t1", "app_web", 1));
  const cluster_state view = s;  // what a reader holds
  const pb::Task* held = view.find_task("t1");
  s.apply(entry_builder(3).put_node(node("w1")).assign("t1", "w1"));
  s.apply(entry_builder(4).status("t1", pb::RUNNING, 42));
  s.apply(entry_builder(5).scale("app_web", 3).create("t2", "app_web", 2));
  EXPECT_EQ(view.index(), 2u);
  EXPECT_EQ(held, view.find_task("t1"));
  EXPECT_EQ(held->state(), pb::PENDING);
  EXPECT_EQ(held->node(), "");
  EXPECT_EQ(view.tasks().size(), 1u);
  EXPECT_EQ(view.find_service("app_web")->spec().replicas(), 1u);
  EXPECT_TRUE(view.tasks_on("w1").empty());
  EXPECT_EQ(s.find_task("t1")->state(), pb::RUNNING);
  EXPECT_EQ(s.tasks_of("app_web").size(), 2u);
}

TEST(state_view, one_entry_on_a_state_of_100000_tasks_costs_log_n) {
  const int n = 100000;
  auto s = big_state(n);
  const cluster_state before = s;  // a reader's view, shared
  // One status for one task: one task copied, O(log n) map nodes.
  s.apply(entry_builder(3).status("big_web.77777.x", pb::RUNNING, 7, 1));
  auto work = s.last_apply_work();
  EXPECT_GT(work.copied, 0u);
  EXPECT_LE(work.copied, 60u) << "copied " << work.copied;
  EXPECT_LE(work.visited, 200u) << "visited " << work.visited;
  EXPECT_EQ(s.find_task("big_web.77777.x")->restarts(), 1u);
  EXPECT_EQ(before.find_task("big_web.77777.x")->restarts(), 0u);
  // Creating and assigning one task: three maps (tasks, by service, by
  // node), still O(log n) each.
  s.apply(entry_builder(4).create("big_web.new.y", "big_web", n));
  s.apply(entry_builder(5).assign("big_web.new.y", "n3"));
  work = s.last_apply_work();
  EXPECT_LE(work.copied, 150u) << "copied " << work.copied;
  EXPECT_LE(work.visited, 300u) << "visited " << work.visited;
  // A node's change that touches no task: O(log n) too.
  s.apply(entry_builder(6).node_status("n4", "", "drain"));
  work = s.last_apply_work();
  EXPECT_LE(work.copied, 60u);
  EXPECT_LE(work.visited, 200u);
  // A copy of the whole state costs nothing counted.
  auto& counter = map_work::counter();
  auto c0 = counter;
  cluster_state copy = s;
  EXPECT_EQ(counter.copied, c0.copied);
  EXPECT_EQ(counter.visited, c0.visited);
  EXPECT_EQ(copy.tasks().size(), static_cast<size_t>(n + 1));
}

TEST(state_view, node_down_work_is_proportional_to_the_nodes_tasks) {
  const int n = 100000;
  auto s = big_state(n);
  // n9 holds n/10 tasks: orphaning them is work on those tasks only, so
  // growing the other nodes' share would not change it. Measure per task.
  s.apply(entry_builder(3).node_status("n9", "down", ""));
  auto work = s.last_apply_work();
  const uint64_t touched = n / 10;
  EXPECT_EQ(s.find_task("big_web.9.x")->state(), pb::ORPHANED);
  EXPECT_EQ(s.find_task("big_web.8.x")->state(), pb::RUNNING);
  EXPECT_LE(work.copied, touched * 40) << "copied " << work.copied;
  EXPECT_LE(work.visited, touched * 120) << "visited " << work.visited;
}
