// plan_rollout(): the rolling-update planner, table-driven over hand-made
// task sets (one step each). The seeded simulation is in rollout_sim_test.
#include <gtest/gtest.h>

#include "actors/manager/core/rollout.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

constexpr int64_t now = 100000;

struct task_row {
  uint32_t slot;
  uint64_t version;
  pb::TaskState state = pb::RUNNING;
  std::string health = "";
  uint32_t restarts = 0;
  int64_t started_ago = 60000;   // ms before now
  bool desired_running = true;
  int64_t created_at = 0;        // 0 = version * 10
};

struct row {
  std::string name;
  std::string order = "stop-first";
  uint32_t parallelism = 1;
  std::string failure_action = "pause";
  double max_failure_ratio = 0;
  int64_t delay_ms = 0;
  bool health_check = false;
  std::string status = "updating";
  std::vector<task_row> tasks;
  // expected
  std::vector<std::string> stop;     // task ids "slot.version"
  std::vector<uint32_t> start;
  std::string state;                 // "" = status unchanged
  bool rollback = false;
  int64_t wake_at = 0;
  int64_t started_at = 0;            // the rollout's update_status.started_at
};

// Issue 10 item 14: a rollout judges only the tasks it started, and only by
// what happened after it started them. The rollback below started 10s ago;
// slot 2's task is on the rollback's spec but ran from before (it was never
// touched by the paused update) and restarted back then.
std::vector<row> untouched_rows() {
  int64_t since = now - 10000;
  task_row rolled_back_1{1, 2, pb::RUNNING, "", 0, 6000, true, since + 100};
  task_row untouched_restarted{2, 2, pb::RUNNING, "", 3, 60000, true, 20};
  task_row untouched_failed{2, 2, pb::FAILED, "", 0, 60000, true, 20};
  task_row restarted_after{1, 2, pb::RUNNING, "", 1, 1000, true, since + 100};
  std::vector<row> out(4);
  out[0].name = "a_task_the_rollback_did_not_start_is_not_blamed";
  out[0].status = "rollback_started";
  out[0].tasks = {rolled_back_1, untouched_restarted};
  out[0].state = "rolled_back";
  out[1].name = "an_untouched_task_that_restarted_before_an_update_is_not_blamed";
  out[1].tasks = {rolled_back_1, untouched_restarted};
  out[1].state = "completed";
  out[2].name = "an_untouched_failed_task_is_not_the_rollouts";
  out[2].status = "rollback_started";
  out[2].tasks = {rolled_back_1, untouched_failed};
  out[2].state = "rolled_back";
  out[3].name = "a_task_it_started_that_restarted_is_still_blamed";
  out[3].status = "rollback_started";
  out[3].tasks = {restarted_after, untouched_restarted};
  out[3].state = "rollback_paused";
  for (auto& r : out)
    r.started_at = since;
  return out;
}

std::vector<row> rows() {
  task_row old1{1, 1}, old2{2, 1}, old3{3, 1};
  task_row new1_fresh{1, 2, pb::RUNNING, "", 0, 100};
  task_row new1{1, 2};
  task_row new2{2, 2};
  return {
    {"stop_first_replaces_one_slot", "stop-first", 1, "pause", 0, 0, false,
     "updating", {old1, old2, old3}, {"1.1"}, {1}, "", false, 0},
    {"start_first_starts_beside_the_old_task", "start-first", 1, "pause", 0, 0,
     false, "updating", {old1, old2, old3}, {}, {1}, "", false, 0},
    {"start_first_waits_for_monitor", "start-first", 1, "pause", 0, 0, false,
     "updating", {old1, new1_fresh, old2, old3}, {}, {}, "", false,
     now - 100 + 5000},
    {"start_first_stops_old_once_stable_and_starts_next", "start-first", 1,
     "pause", 0, 0, false, "updating", {old1, new1, old2, old3}, {"1.1"}, {2},
     "", false, 0},
    {"start_first_waits_for_healthy", "start-first", 1, "pause", 0, 0, true,
     "updating", {old1, {1, 2, pb::RUNNING, "starting"}, old2}, {}, {}, "",
     false, 0},
    {"healthy_and_past_monitor_is_stable", "start-first", 1, "pause", 0, 0,
     true, "updating", {old1, {1, 2, pb::RUNNING, "healthy"}, old2}, {"1.1"},
     {2}, "", false, 0},
    {"pending_new_task_is_in_flight", "stop-first", 1, "pause", 0, 0, false,
     "updating", {{1, 2, pb::PENDING}, old2, old3}, {}, {}, "", false, 0},
    {"parallelism_two", "stop-first", 2, "pause", 0, 0, false, "updating",
     {old1, old2, old3}, {"1.1", "2.1"}, {1, 2}, "", false, 0},
    {"parallelism_zero_is_all", "start-first", 0, "pause", 0, 0, false,
     "updating", {old1, old2, old3}, {}, {1, 2, 3}, "", false, 0},
    {"a_restarted_new_task_pauses", "stop-first", 1, "pause", 0, 0, false,
     "updating", {{1, 2, pb::RUNNING, "", 1}, old2}, {}, {}, "paused", false,
     0},
    {"an_unhealthy_new_task_pauses", "start-first", 1, "pause", 0, 0, true,
     "updating", {old1, {1, 2, pb::RUNNING, "unhealthy"}, old2}, {}, {},
     "paused", false, 0},
    {"a_failed_new_task_rolls_back", "stop-first", 1, "rollback", 0, 0, false,
     "updating", {{1, 2, pb::FAILED}, old2}, {}, {}, "", true, 0},
    {"continue_goes_on_after_a_failure", "stop-first", 1, "continue", 0, 0,
     false, "updating", {{1, 2, pb::FAILED}, old2}, {"2.1"}, {2}, "", false,
     0},
    {"failures_under_the_ratio_go_on", "stop-first", 1, "pause", 0.5, 0, false,
     "updating", {{1, 2, pb::FAILED}, new2, old3}, {"3.1"}, {3}, "", false, 0},
    {"a_rollback_that_fails_pauses", "stop-first", 1, "rollback", 0, 0, false,
     "rollback_started", {{1, 2, pb::FAILED}, old2}, {}, {}, "rollback_paused",
     false, 0},
    {"delay_between_batches", "stop-first", 1, "pause", 0, 60000, false,
     "updating", {new1, old2}, {}, {}, "", false, now - 60000 + 5000 + 60000},
    {"all_stable_completes", "stop-first", 1, "pause", 0, 0, false, "updating",
     {new1, new2}, {}, {}, "completed", false, 0},
    {"a_rollback_completes_as_rolled_back", "stop-first", 1, "pause", 0, 0,
     false, "rollback_started", {new1, new2}, {}, {}, "rolled_back", false, 0},
    {"paused_starts_nothing_but_finishes_stable_slots", "start-first", 1,
     "pause", 0, 0, false, "paused", {old1, new1, old2}, {"1.1"}, {}, "",
     false, 0},
    {"no_rollout_status_and_current_tasks_is_quiet", "stop-first", 1, "pause",
     0, 0, false, "", {new1, new2}, {}, {}, "", false, 0},
    {"shut_down_old_tasks_are_not_outdated", "stop-first", 1, "pause", 0, 0,
     false, "updating",
     {{1, 1, pb::SHUTDOWN, "", 0, 60000, false}, new1, new2}, {}, {},
     "completed", false, 0},
  };
}

class rollout_table : public ::testing::TestWithParam<row> {};

TEST_P(rollout_table, plans_the_next_step) {
  const row& r = GetParam();
  pb::Service svc;
  *svc.mutable_spec() = service_spec("app", "web", 0);
  auto* u = svc.mutable_spec()->mutable_update();
  u->set_order(r.order);
  u->set_parallelism(r.parallelism);
  u->set_failure_action(r.failure_action);
  u->set_max_failure_ratio(r.max_failure_ratio);
  u->set_delay_ms(r.delay_ms);
  u->set_monitor_ms(5000);
  *svc.mutable_spec()->mutable_rollback() = *u;
  if (r.health_check)
    svc.mutable_spec()->mutable_health()->set_tcp(true);
  *svc.mutable_previous_spec() = svc.spec();
  svc.set_spec_version(2);
  svc.mutable_update_status()->set_state(r.status);
  svc.mutable_update_status()->set_spec_version(r.status.empty() ? 0 : 2);
  svc.mutable_update_status()->set_started_at(r.started_at);
  std::vector<pb::Task> tasks;
  uint32_t slots = 0;
  for (const auto& t : r.tasks) {
    pb::Task& x = tasks.emplace_back();
    x.set_id(std::to_string(t.slot) + "." + std::to_string(t.version));
    x.set_service("app_web");
    x.set_slot(t.slot);
    x.set_spec_version(t.version);
    *x.mutable_spec() = svc.spec();
    x.set_state(t.state);
    x.set_desired_state(t.desired_running ? pb::RUNNING : pb::SHUTDOWN);
    x.set_health(t.health);
    x.set_restarts(t.restarts);
    x.set_pid(t.state == pb::RUNNING ? 42 : 0);
    x.set_started_at(now - t.started_ago);
    x.set_created_at(t.created_at != 0 ? t.created_at
                                        : static_cast<int64_t>(t.version) * 10);
    slots = std::max(slots, t.slot);
  }
  svc.mutable_spec()->set_replicas(slots);
  rollout_input in;
  in.service = &svc;
  for (auto& t : tasks)
    in.tasks.push_back(&t);
  in.now_ms = now;
  auto plan = plan_rollout(in);
  EXPECT_EQ(plan.stop, r.stop);
  std::vector<uint32_t> started;
  for (auto& s : plan.start)
    started.push_back(s.slot);
  EXPECT_EQ(started, r.start);
  EXPECT_EQ(plan.rollback, r.rollback) << plan.rollback_reason;
  if (!r.state.empty()) {
    ASSERT_TRUE(plan.has_status);
    EXPECT_EQ(plan.status.state(), r.state);
  } else if (plan.has_status) {
    EXPECT_EQ(plan.status.state(), r.status.empty() ? "" : r.status)
      << "only the counts may change";
  }
  EXPECT_EQ(plan.wake_at_ms, r.wake_at);
  if (r.state == "paused")
    EXPECT_NE(plan.status.message().find("update paused: task 1.2"),
              std::string::npos)
      << plan.status.message();
}

INSTANTIATE_TEST_SUITE_P(cases, rollout_table, ::testing::ValuesIn(rows()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(untouched, rollout_table,
                         ::testing::ValuesIn(untouched_rows()),
                         [](const auto& info) { return info.param.name; });

} // namespace
