// The worker's assignment set: whole lists replace it, deltas apply only on
// top of the list they were computed against, anything else asks for resync.
#include "actors/worker/core/assignment_set.hpp"

#include <gtest/gtest.h>

namespace troupe {
namespace {

pb::Task task(const std::string& id, pb::TaskState desired = pb::RUNNING) {
  pb::Task t;
  t.set_id(id);
  t.set_desired_state(desired);
  return t;
}

pb::Assignments full(uint64_t index, std::initializer_list<std::string> ids) {
  pb::Assignments a;
  a.set_node("n1");
  a.set_index(index);
  a.set_full(true);
  for (const auto& id : ids)
    *a.add_tasks() = task(id);
  return a;
}

pb::Assignments delta(uint64_t base, uint64_t index,
                      std::vector<pb::Task> tasks,
                      std::initializer_list<std::string> removed = {}) {
  pb::Assignments a;
  a.set_node("n1");
  a.set_base_index(base);
  a.set_index(index);
  for (auto& t : tasks)
    *a.add_tasks() = t;
  for (const auto& id : removed)
    a.add_removed(id);
  return a;
}

std::vector<std::string> ids_of(const std::vector<pb::Task>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts)
    out.push_back(t.id());
  return out;
}

using ids = std::vector<std::string>;

TEST(assignment_set, a_full_list_runs_every_task_and_stops_those_it_lacks) {
  assignment_set set;
  auto first = set.apply(full(5, {"a", "b"}));
  EXPECT_FALSE(first.resync);
  EXPECT_EQ(ids_of(first.run), (ids{"a", "b"}));
  EXPECT_TRUE(first.stop.empty());
  auto second = set.apply(full(9, {"b", "c"}));
  EXPECT_EQ(ids_of(second.run), (ids{"b", "c"}));
  EXPECT_EQ(second.stop, (ids{"a"}));
  EXPECT_EQ(set.index(), 9u);
  EXPECT_EQ(set.ids(), (std::set<std::string>{"b", "c"}));
}

TEST(assignment_set, a_delta_adds_changes_and_removes_only_what_it_carries) {
  assignment_set set;
  set.apply(full(5, {"a", "b", "c"}));
  auto step = set.apply(delta(5, 8, {task("d"), task("b", pb::SHUTDOWN)}, {"c"}));
  EXPECT_FALSE(step.resync);
  EXPECT_EQ(ids_of(step.run), (ids{"d", "b"}));
  EXPECT_EQ(step.run[1].desired_state(), pb::SHUTDOWN);
  EXPECT_EQ(step.stop, (ids{"c"}));
  EXPECT_EQ(set.index(), 8u);
  EXPECT_EQ(set.ids(), (std::set<std::string>{"a", "b", "d"}));
}

TEST(assignment_set, removing_a_task_it_does_not_hold_stops_nothing) {
  assignment_set set;
  set.apply(full(5, {"a"}));
  auto step = set.apply(delta(5, 6, {}, {"x"}));
  EXPECT_FALSE(step.resync);
  EXPECT_TRUE(step.stop.empty());
  EXPECT_EQ(set.index(), 6u);
}

TEST(assignment_set, a_delta_on_another_base_asks_for_resync_and_changes_nothing) {
  assignment_set set;
  set.apply(full(5, {"a"}));
  auto step = set.apply(delta(4, 8, {task("d")}, {"a"}));  // a message was lost
  EXPECT_TRUE(step.resync);
  EXPECT_TRUE(step.run.empty());
  EXPECT_TRUE(step.stop.empty());
  EXPECT_EQ(set.index(), 5u);
  EXPECT_EQ(set.ids(), (std::set<std::string>{"a"}));
}

TEST(assignment_set, a_delta_before_any_full_list_asks_for_resync) {
  assignment_set set;  // e.g. the agent restarted
  EXPECT_TRUE(set.apply(delta(0, 3, {task("a")})).resync);
  EXPECT_TRUE(set.ids().empty());
}

TEST(assignment_set, after_a_reset_only_a_full_list_applies) {
  assignment_set set;
  set.apply(full(5, {"a"}));
  set.reset();
  EXPECT_TRUE(set.apply(delta(5, 6, {task("b")})).resync);
  auto step = set.apply(full(7, {"b"}));
  EXPECT_FALSE(step.resync);
  EXPECT_EQ(step.stop, (ids{"a"}));
  EXPECT_FALSE(set.apply(delta(7, 8, {task("c")})).resync);
}

} // namespace
} // namespace troupe
