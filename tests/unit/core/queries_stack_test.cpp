// The API's side of `stack plan` and `stack deploy --check-index`: the
// stack's index follows the entries that change it (and only those), and a
// deploy checked against a stale index is refused with a sentence.
#include <gtest/gtest.h>

#include "actors/manager/queries.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

pb::Request checked_deploy(const pb::StackSpec& stack, uint64_t index) {
  pb::Request r;
  *r.mutable_deploy_stack() = stack;
  r.mutable_deploy_check()->set_index(index);
  return r;
}

} // namespace

TEST(stack_index, moves_with_the_stack_and_its_services_only) {
  cluster_state s;
  EXPECT_EQ(s.stack_index("demo"), 0u);
  s.apply(entry_builder(1).put_node(node("w1")));
  s.apply(entry_builder(5).deploy(stack_spec("demo", {service_spec("demo", "web", 2)})));
  EXPECT_EQ(s.stack_index("demo"), 5u);
  s.apply(entry_builder(6).create("demo_web.1.a", "demo_web", 1));
  s.apply(entry_builder(7).status("demo_web.1.a", pb::RUNNING));
  EXPECT_EQ(s.stack_index("demo"), 5u) << "task changes do not change the stack";
  s.apply(entry_builder(9).scale("demo_web", 3));
  EXPECT_EQ(s.stack_index("demo"), 9u);
  s.apply(entry_builder(10).deploy(stack_spec("demo", {service_spec("demo", "web", 3)})));
  EXPECT_EQ(s.stack_index("demo"), 9u) << "deploying the same stack again changes nothing";
  s.apply(entry_builder(12).remove_stack("demo"));
  EXPECT_EQ(s.stack_index("demo"), 0u);
}

TEST(stack_index, a_checked_deploy_is_refused_unless_the_index_is_current) {
  cluster_state s;
  s.apply(entry_builder(1).put_node(node("w1")));
  auto v1 = stack_spec("demo", {service_spec("demo", "web", 2)});
  std::string error;
  plan_write(s, checked_deploy(v1, 3), &error);
  EXPECT_EQ(error, "stack 'demo' changed since the plan (it no longer exists, the plan saw 3); "
                   "nothing was deployed: run `troupe stack plan` again");
  error.clear();
  auto entry = plan_write(s, checked_deploy(v1, 0), &error);
  EXPECT_EQ(error, "") << "0: the stack must not exist yet";
  entry.set_index(4);
  s.apply(entry);
  auto v2 = stack_spec("demo", {service_spec("demo", "web", 5)});
  plan_write(s, checked_deploy(v2, 0), &error);
  EXPECT_EQ(error, "stack 'demo' changed since the plan (its index is now 4, the plan saw no "
                   "such stack); nothing was deployed: run `troupe stack plan` again");
  error.clear();
  EXPECT_EQ(plan_write(s, checked_deploy(v2, 4), &error).changes_size(), 1);
  EXPECT_EQ(error, "");

  pb::Request inspect;
  inspect.set_inspect_stack("demo");
  auto answer = answer_read(s, inspect);
  EXPECT_EQ(answer.error(), "");
  ASSERT_EQ(answer.stacks_size(), 1);
  EXPECT_EQ(answer.stacks(0).modify_index(), 4u);
  ASSERT_EQ(answer.services_size(), 1);
  EXPECT_EQ(answer.services(0).service().spec().replicas(), 2u);
  inspect.set_inspect_stack("nosuch");
  EXPECT_EQ(answer_read(s, inspect).error(), "no stack named 'nosuch'");
}
