// exec_check: the task a `troupe exec` names (an id, SERVICE.SLOT, the live
// one of a slot's history), why a start is refused, and the limits of a round.
#include <gtest/gtest.h>

#include "actors/manager/core/exec_check.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

/// Stack "st", service st_web: slot 1 has an old failed task and a live
/// running one; slot 2 is pending (not placed); slot 3 is placed, starting.
cluster_state state() {
  cluster_state s;
  s.apply(entry_builder(1).put_node(node("w1")).deploy(
    stack_spec("st", {service_spec("st", "web", 3)})));
  s.apply(entry_builder(2)
            .create("st_web.1.old", "st_web", 1)
            .assign("st_web.1.old", "w1")
            .status("st_web.1.old", pb::FAILED));
  s.apply(entry_builder(3).shutdown("st_web.1.old"));
  s.apply(entry_builder(4)
            .create("st_web.1.new", "st_web", 1)
            .assign("st_web.1.new", "w1")
            .status("st_web.1.new", pb::RUNNING, 42)
            .create("st_web.2.p", "st_web", 2)
            .create("st_web.3.s", "st_web", 3)
            .assign("st_web.3.s", "w1")
            .status("st_web.3.s", pb::STARTING));
  return s;
}

pb::ExecRequest start(std::initializer_list<std::string> cmd) {
  pb::ExecRequest r;
  r.set_task("st_web.1");
  for (const auto& a : cmd)
    r.add_command(a);
  return r;
}

} // namespace

TEST(exec_check, a_task_is_named_by_id_or_by_service_and_slot) {
  auto s = state();
  std::string why;
  auto* t = exec_task(s, "st_web.1.new", true, &why);
  ASSERT_NE(t, nullptr) << why;
  EXPECT_EQ(t->node(), "w1");
  t = exec_task(s, "st_web.1", true, &why);
  ASSERT_NE(t, nullptr) << why;
  EXPECT_EQ(t->id(), "st_web.1.new") << "the slot's live task, not its history";
  // An ended task can be named by id, but nothing starts in it.
  EXPECT_EQ(exec_task(s, "st_web.1.old", true, &why), nullptr);
  EXPECT_NE(why.find("failed, not running"), std::string::npos) << why;
  // A later round of a session only needs the task to still be on a node.
  EXPECT_NE(exec_task(s, "st_web.1.old", false, &why), nullptr);
}

TEST(exec_check, unknown_pending_and_starting_tasks_are_refused_with_a_sentence) {
  auto s = state();
  std::string why;
  for (const char* name : {"nope", "nope.1", "st_web.9", "st_web.", ".1", "st_web"}) {
    why.clear();
    EXPECT_EQ(exec_task(s, name, true, &why), nullptr) << name;
    EXPECT_EQ(why.rfind(std::string("no task named ") + name, 0), 0u) << why;
  }
  EXPECT_EQ(exec_task(s, "st_web.2", true, &why), nullptr);
  EXPECT_EQ(why, "task st_web.2.p is not placed on any node");
  EXPECT_EQ(exec_task(s, "st_web.3", true, &why), nullptr);
  EXPECT_NE(why.find("starting, not running"), std::string::npos) << why;
}

TEST(exec_check, rounds_are_held_to_their_limits) {
  input_limits limits;
  EXPECT_EQ(exec_request_problem(start({"sh"}), limits), "");
  EXPECT_NE(exec_request_problem(start({}), limits).find("give the command"),
            std::string::npos);
  EXPECT_NE(exec_request_problem(start({""}), limits).find("give the command"),
            std::string::npos);
  limits.max_command_args = 2;
  EXPECT_NE(exec_request_problem(start({"a", "b", "c"}), limits).find("3 arguments"),
            std::string::npos);
  limits = {};
  limits.max_command_bytes = 4;
  EXPECT_NE(exec_request_problem(start({"abc", "de"}), limits).find("5 bytes"),
            std::string::npos);
  pb::ExecRequest round;
  round.set_session(7);
  EXPECT_EQ(exec_request_problem(round, {}), "") << "a later round carries no command";
  round.set_input(std::string(max_exec_input_bytes + 1, 'x'));
  EXPECT_NE(exec_request_problem(round, {}).find("at most 1048576 bytes"), std::string::npos);
  round.clear_input();
  round.set_wait_ms(max_exec_wait_ms + 1);
  EXPECT_NE(exec_request_problem(round, {}).find("at most 1000 ms"), std::string::npos);
  round.set_wait_ms(0);
  round.set_rows(70000);
  EXPECT_NE(exec_request_problem(round, {}), "");
  round.set_rows(0);
  round.set_signal(99);
  EXPECT_EQ(exec_request_problem(round, {}), "signal 99 does not exist");
}
