// The dispatcher's assignment book: full lists from the node's index, then
// deltas computed from the touched task ids only (counted), on top of the
// last list's index.
#include "actors/manager/core/assignment_book.hpp"

#include <gtest/gtest.h>

#include "tests/unit/core/core_fixtures.hpp"

namespace troupe::test {
namespace {

constexpr int many = 10000;

std::string id_of(int slot) { return "demo_web." + std::to_string(slot) + ".x"; }

/// One service of `many` running tasks, all on n1; n2 is empty.
cluster_state crowded_node() {
  pb::ClusterSnapshot snap;
  snap.set_index(100);
  auto spec = service_spec("demo", "web", many);
  auto* stack = snap.add_stacks();
  stack->set_name("demo");
  stack->add_services(spec.name());
  *snap.add_services()->mutable_spec() = spec;
  *snap.add_nodes() = node("n1");
  *snap.add_nodes() = node("n2");
  for (int slot = 1; slot <= many; ++slot) {
    auto* t = snap.add_tasks();
    t->set_id(id_of(slot));
    t->set_service(spec.name());
    t->set_slot(static_cast<uint32_t>(slot));
    *t->mutable_spec() = spec;
    t->set_node("n1");
    t->set_state(pb::RUNNING);
    t->set_desired_state(pb::RUNNING);
    t->set_pid(1000 + slot);
  }
  cluster_state s;
  s.restore(snap);
  return s;
}

class assignment_book_test : public ::testing::Test {
protected:
  assignment_book_test() : state_(crowded_node()) {
    auto a = book_.full(state_, "n1");
    EXPECT_TRUE(a.full());
    EXPECT_EQ(a.tasks_size(), many);
    EXPECT_EQ(a.index(), 100u);
  }

  std::map<std::string, pb::Assignments> apply(const pb::Entry& e) {
    auto touched = state_.apply(e);
    return book_.deltas(state_, touched.tasks);
  }

  cluster_state state_;
  assignment_book book_;
};

TEST_F(assignment_book_test, a_task_ending_sends_only_its_removal) {
  auto out = apply(entry_builder(101).status(id_of(7), pb::FAILED));
  ASSERT_EQ(out.size(), 1u);
  const auto& d = out.at("n1");
  EXPECT_FALSE(d.full());
  EXPECT_EQ(d.base_index(), 100u);
  EXPECT_EQ(d.index(), 101u);
  EXPECT_EQ(d.tasks_size(), 0);
  ASSERT_EQ(d.removed_size(), 1);
  EXPECT_EQ(d.removed(0), id_of(7));
  EXPECT_EQ(book_.visited(), 1u) << "only the touched task is looked at";
}

TEST_F(assignment_book_test, a_desired_state_change_sends_that_task_alone) {
  auto out = apply(entry_builder(101).shutdown(id_of(3)));
  ASSERT_EQ(out.size(), 1u);
  const auto& d = out.at("n1");
  ASSERT_EQ(d.tasks_size(), 1);
  EXPECT_EQ(d.tasks(0).id(), id_of(3));
  EXPECT_EQ(d.tasks(0).desired_state(), pb::SHUTDOWN);
  EXPECT_EQ(d.removed_size(), 0);
  EXPECT_EQ(book_.visited(), 1u);
}

TEST_F(assignment_book_test, a_status_the_worker_does_not_act_on_sends_nothing) {
  auto out = apply(entry_builder(101).status(id_of(3), pb::RUNNING, 4242));
  EXPECT_TRUE(out.empty());
}

TEST_F(assignment_book_test, deltas_chain_on_the_index_of_the_last_one_sent) {
  apply(entry_builder(101).shutdown(id_of(1)));
  apply(entry_builder(102).status(id_of(2), pb::RUNNING, 7));  // nothing for n1
  auto out = apply(entry_builder(103).shutdown(id_of(4)));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at("n1").base_index(), 101u);
  EXPECT_EQ(out.at("n1").index(), 103u);
}

TEST_F(assignment_book_test, a_new_task_on_the_node_is_added_with_its_service_addresses) {
  pb::Task t;
  t.set_id("demo_web.10001.x");
  t.set_service("demo_web");
  t.set_slot(10001);
  *t.mutable_spec() = service_spec("demo", "web", many);
  pb::Change c;
  *c.mutable_create_task() = t;
  auto out = apply(entry_builder(101).change(c).assign(t.id(), "n1"));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out.at("n1").tasks_size(), 1);
  EXPECT_EQ(out.at("n1").tasks(0).id(), t.id());
  EXPECT_EQ(out.at("n1").tasks(0).state(), pb::ASSIGNED);
}

TEST_F(assignment_book_test, a_deleted_task_is_removed_from_the_node_it_was_sent_to) {
  apply(entry_builder(101).status(id_of(9), pb::COMPLETE));
  auto out = apply(entry_builder(102).remove_task(id_of(9)));
  EXPECT_TRUE(out.empty()) << "it left the list when it ended";
  // A task deleted while the book still lists it (e.g. touched keys of
  // several entries gathered into one round) is removed too.
  state_.apply(entry_builder(103).status(id_of(10), pb::COMPLETE));
  state_.apply(entry_builder(104).remove_task(id_of(10)));
  auto later = book_.deltas(state_, {id_of(10)});
  ASSERT_EQ(later.size(), 1u);
  ASSERT_EQ(later.at("n1").removed_size(), 1);
  EXPECT_EQ(later.at("n1").removed(0), id_of(10));
}

TEST_F(assignment_book_test, nodes_it_does_not_know_get_no_delta_until_a_full_list) {
  EXPECT_FALSE(book_.knows("n2"));
  book_.forget("n1");
  EXPECT_FALSE(book_.knows("n1"));
  EXPECT_TRUE(apply(entry_builder(101).shutdown(id_of(3))).empty());
  auto a = book_.full(state_, "n1");
  EXPECT_TRUE(a.full());
  EXPECT_EQ(a.tasks_size(), many);
  int shut = 0;
  for (const auto& t : a.tasks())
    shut += t.desired_state() == pb::SHUTDOWN;
  EXPECT_EQ(shut, 1);
}

TEST_F(assignment_book_test, a_node_going_down_removes_all_its_tasks) {
  auto out = apply(entry_builder(101).node_status("n1", "down", ""));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at("n1").removed_size(), many);
}

} // namespace
} // namespace troupe::test
