// The worker side: supervisor and task actors driving containers through a
// fake driver, reporting to a recording agent, on simulated time.
#include <csignal>
#include <memory>
#include <unistd.h>

#include "actors/worker/supervisor.hpp"
#include "tests/unit/actors/actor_fixture.hpp"
#include "tests/unit/actors/fake_driver.hpp"

namespace troupe::test {
namespace {

using std::chrono::milliseconds;

constexpr auto poll_tick = milliseconds(100);  // the task actor's poll interval

class supervisor_test : public actor_fixture {
protected:
  supervisor_test() {
    drv_ = std::make_shared<fake_driver>();
    log_ = std::make_shared<agent_log>();
    agent_ = spawn(test_agent, log_);
    sup_ = spawn(supervisor, agent_,
                 std::map<std::string, std::shared_ptr<driver>>{{"process", drv_}},
                 std::string{"n1"}, dir_.path(), std::shared_ptr<blocking_pool>{},
                 std::map<std::string, container_record>{});
  }

  /// Runs `task` and lets it reach RUNNING.
  void start(const pb::Task& task) {
    self->send(sup_, atom::run_v, task);
    run();
  }

  /// Makes the last started container exit and lets the task notice.
  void exit_last(int code, const std::string& message) {
    drv_->exit(drv_->last_id(), code, message);
    advance(poll_tick);
  }

  /// The task actor of `id`, as the supervisor holds it.
  task_actor task_actor_of(const std::string& id) {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(sup_);
    auto impl = dynamic_cast<probed_pointer<supervisor_actor, supervisor_state>>(ptr);
    if (impl == nullptr || impl->state.tasks.count(id) == 0)
      return {};
    return impl->state.tasks.at(id).actor;
  }

  /// The tasks the supervisor remembers as ended here.
  std::set<std::string> ended() {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(sup_);
    auto impl = dynamic_cast<probed_pointer<supervisor_actor, supervisor_state>>(ptr);
    return impl == nullptr ? std::set<std::string>{} : impl->state.ended;
  }

  pb::TaskStatus last_status(const std::string& id) {
    auto all = log_->of(id);
    return all.empty() ? pb::TaskStatus{} : all.back();
  }

  temp_dir dir_;
  std::shared_ptr<fake_driver> drv_;
  std::shared_ptr<agent_log> log_;
  agent_actor agent_;
  supervisor_actor sup_;
};

pb::ServiceSpec web_with_restart(const std::string& condition, int64_t delay_ms) {
  auto spec = service_spec("demo", "web", 1);
  spec.mutable_restart()->set_condition(condition);
  spec.mutable_restart()->set_delay_ms(delay_ms);
  (*spec.mutable_env())["GREETING"] = "hello";
  return spec;
}

TEST_F(supervisor_test, run_starts_a_container_with_the_task_environment) {
  auto task = task_on(web_with_restart("any", 1000), 1, "n1");
  start(task);
  ASSERT_EQ(drv_->starts.size(), 1u);
  const auto& spec = drv_->starts[0];
  EXPECT_EQ(spec.env.at("TROUPE_PORT_HTTP"), "30001");
  EXPECT_EQ(spec.env.at("TROUPE_TASK_ID"), task.id());
  EXPECT_EQ(spec.env.at("TROUPE_TASK_SLOT"), "1");
  EXPECT_EQ(spec.env.at("TROUPE_SERVICE"), "demo_web");
  EXPECT_EQ(spec.env.at("TROUPE_STACK"), "demo");
  EXPECT_EQ(spec.env.at("TROUPE_NODE"), "n1");
  EXPECT_EQ(spec.env.at("GREETING"), "hello");
  EXPECT_EQ(spec.command, (std::vector<std::string>{"server", "--port=30001"}));
  EXPECT_EQ(spec.task_dir, dir_.path() + "/" + task.id());
  EXPECT_EQ(log_->states_of(task.id()),
            (std::vector<pb::TaskState>{pb::STARTING, pb::RUNNING}));
  EXPECT_EQ(last_status(task.id()).pid(), 4242);
  EXPECT_EQ(last_status(task.id()).container_id(), spec.id);
}

TEST_F(supervisor_test, a_container_that_cannot_start_is_reported) {
  drv_->fail_start = true;
  auto task = task_on(web_with_restart("none", 0), 1, "n1");
  start(task);
  auto last = last_status(task.id());
  EXPECT_EQ(last.state(), pb::FAILED);
  EXPECT_NE(last.message().find("image not found"), std::string::npos)
    << last.message();
}

TEST_F(supervisor_test, a_start_failure_backs_off_and_never_shows_running) {
  drv_->fail_start = true;
  drv_->fail_message = "cannot run 'nope': No such file or directory";
  auto task = task_on(web_with_restart("any", 1000), 1, "n1");
  start(task);
  auto first = last_status(task.id());
  EXPECT_EQ(first.state(), pb::STARTING);
  EXPECT_EQ(first.pid(), 0);
  EXPECT_GT(first.restart_at(), 0);
  EXPECT_NE(first.message().find("cannot run 'nope'"), std::string::npos)
    << first.message();
  EXPECT_NE(first.message().find("restarting in 1s"), std::string::npos)
    << first.message();
  // The delay doubles on each failed start: 1s, 2s, 4s.
  advance(milliseconds(1000));
  ASSERT_EQ(drv_->starts.size(), 2u);
  EXPECT_NE(last_status(task.id()).message().find("restarting in 2s"),
            std::string::npos) << last_status(task.id()).message();
  advance(milliseconds(1999));
  EXPECT_EQ(drv_->starts.size(), 2u) << "restarted before the backoff ran out";
  advance(milliseconds(1));
  ASSERT_EQ(drv_->starts.size(), 3u);
  EXPECT_NE(last_status(task.id()).message().find("restarting in 4s"),
            std::string::npos) << last_status(task.id()).message();
  for (const auto& s : log_->of(task.id()))
    EXPECT_NE(s.state(), pb::RUNNING) << "a task that never started ran: "
                                      << s.message();
}

TEST_F(supervisor_test, exit_with_condition_any_restarts_after_the_delay) {
  auto task = task_on(web_with_restart("any", 2000), 1, "n1");
  start(task);
  auto first = drv_->last_id();
  exit_last(1, "exited with code 1");
  auto after_exit = last_status(task.id());
  // Waiting out the delay: no container, so not RUNNING and no pid.
  EXPECT_EQ(after_exit.state(), pb::STARTING);
  EXPECT_EQ(after_exit.pid(), 0);
  EXPECT_GT(after_exit.restart_at(), 0);
  EXPECT_EQ(after_exit.restarts(), 1u);
  EXPECT_EQ(after_exit.exit_code(), 1);
  EXPECT_EQ(drv_->cleanups, std::vector<std::string>{first});
  advance(milliseconds(1900));
  EXPECT_EQ(drv_->starts.size(), 1u) << "restarted before the delay ran out";
  advance(milliseconds(100));
  ASSERT_EQ(drv_->starts.size(), 2u);
  EXPECT_NE(drv_->last_id(), first) << "each start gets its own container id";
  auto now = last_status(task.id());
  EXPECT_EQ(now.state(), pb::RUNNING);
  EXPECT_EQ(now.restart_at(), 0) << "running again: no restart pending";
  EXPECT_EQ(now.restarts(), 1u);
  // A second exit: the count grows, and the backoff doubles.
  exit_last(1, "exited with code 1");
  EXPECT_EQ(last_status(task.id()).restarts(), 2u);
  advance(milliseconds(3900));
  EXPECT_EQ(drv_->starts.size(), 2u);
  advance(milliseconds(100));
  EXPECT_EQ(drv_->starts.size(), 3u);
  for (const auto& s : log_->of(task.id()))
    EXPECT_FALSE(s.state() > pb::RUNNING) << "went terminal: " << s.message();
}

struct final_state_case {
  std::string condition;
  int exit_code;
  pb::TaskState expected;       // STARTING = waiting to restart
  std::string reason_contains;
};

class final_state_test : public supervisor_test,
                         public ::testing::WithParamInterface<final_state_case> {};

TEST_P(final_state_test, policy_decides_what_an_exit_means) {
  const auto& c = GetParam();
  auto task = task_on(web_with_restart(c.condition, 500), 1, "n1");
  start(task);
  exit_last(c.exit_code, "exited with code " + std::to_string(c.exit_code));
  auto last = last_status(task.id());
  EXPECT_EQ(last.state(), c.expected) << last.message();
  EXPECT_EQ(last.exit_code(), c.exit_code);
  EXPECT_NE(last.message().find(c.reason_contains), std::string::npos)
    << last.message();
  advance(milliseconds(500));
  EXPECT_EQ(drv_->starts.size(), c.expected == pb::STARTING ? 2u : 1u);
}

INSTANTIATE_TEST_SUITE_P(
  conditions, final_state_test,
  ::testing::Values(
    final_state_case{"none", 0, pb::COMPLETE, "restart condition is none"},
    final_state_case{"none", 3, pb::FAILED, "restart condition is none"},
    final_state_case{"on-failure", 0, pb::COMPLETE,
                     "restart condition is on-failure"},
    final_state_case{"on-failure", 2, pb::STARTING, "restarting in"},
    final_state_case{"any", 0, pb::STARTING, "restarting in"}));

struct stop_case {
  bool exits_on_sigterm;
  std::vector<int> signals;
  int exit_code;
};

class stop_test : public supervisor_test,
                  public ::testing::WithParamInterface<stop_case> {};

TEST_P(stop_test, desired_shutdown_stops_within_the_grace_period) {
  const auto& c = GetParam();
  drv_->exit_on_sigterm = c.exits_on_sigterm;
  auto task = task_on(web_with_restart("any", 0), 1, "n1");  // grace 5s
  start(task);
  auto container = drv_->last_id();
  task.set_desired_state(pb::SHUTDOWN);
  self->send(sup_, atom::run_v, task);
  run();
  EXPECT_EQ(drv_->signals_to(container), std::vector<int>{SIGTERM});
  advance(milliseconds(4900));
  EXPECT_EQ(drv_->signals_to(container).size(), 1u) << "SIGKILL before grace";
  advance(milliseconds(100));
  advance(poll_tick);
  EXPECT_EQ(drv_->signals_to(container), c.signals);
  auto last = last_status(task.id());
  EXPECT_EQ(last.state(), pb::SHUTDOWN) << last.message();
  EXPECT_EQ(last.exit_code(), c.exit_code);
  advance(milliseconds(10000));
  EXPECT_EQ(drv_->starts.size(), 1u) << "a requested stop never restarts";
}

INSTANTIATE_TEST_SUITE_P(
  signals, stop_test,
  ::testing::Values(stop_case{true, {SIGTERM}, 128 + SIGTERM},
                    stop_case{false, {SIGTERM, SIGKILL}, 128 + SIGKILL}));

TEST_F(supervisor_test, shutdown_stops_every_task_then_replies_true) {
  auto spec = web_with_restart("any", 0);
  auto a = task_on(spec, 1, "n1");
  auto b = task_on(spec, 2, "n1");
  start(a);
  start(b);
  ASSERT_EQ(drv_->starts.size(), 2u);
  self->send(sup_, atom::shutdown_v);
  run();
  bool done = false;
  EXPECT_FALSE(take(done)) << "replied before the containers exited";
  advance(poll_tick);
  ASSERT_TRUE(take(done));
  EXPECT_TRUE(done);
  for (const auto& s : drv_->starts)
    EXPECT_EQ(drv_->signals_to(s.id), std::vector<int>{SIGTERM});
  EXPECT_EQ(last_status(a.id()).state(), pb::SHUTDOWN);
  EXPECT_EQ(last_status(b.id()).state(), pb::SHUTDOWN);
}

TEST_F(supervisor_test, shutdown_with_no_tasks_replies_at_once) {
  EXPECT_TRUE(ask<bool>(sup_, atom::shutdown_v));
}

TEST_F(supervisor_test, a_task_actor_that_dies_is_respawned_and_adopts) {
  auto task = task_on(web_with_restart("none", 0), 1, "n1");
  start(task);
  auto old_actor = task_actor_of(task.id());
  ASSERT_TRUE(old_actor);
  self->send_exit(old_actor, caf::make_error(caf::sec::runtime_error));
  run();
  auto new_actor = task_actor_of(task.id());
  ASSERT_TRUE(new_actor) << "the supervisor did not respawn the task actor";
  EXPECT_NE(new_actor, old_actor);
  EXPECT_EQ(drv_->starts.size(), 1u) << "adopting must not start a container";
  auto last = last_status(task.id());
  EXPECT_EQ(last.state(), pb::RUNNING);
  EXPECT_NE(last.message().find("adopted"), std::string::npos) << last.message();
  EXPECT_EQ(last.pid(), 4242);
  // The new actor watches the adopted container: its exit is seen.
  exit_last(0, "exited with code 0");
  EXPECT_EQ(last_status(task.id()).state(), pb::COMPLETE);
}

// Issue 11: containers an earlier agent left (its records) are re-attached
// when their task is assigned, and stopped when a stop comes first.
TEST_F(supervisor_test, a_leftover_container_is_reattached_or_stopped) {
  auto kept = task_on(web_with_restart("any", 0), 1, "n1");
  kept.set_restarts(2);
  auto gone = task_on(web_with_restart("any", 0), 2, "n1");
  std::map<std::string, container_record> leftovers;
  for (const auto* t : {&kept, &gone}) {
    container_record r;
    r.driver = "process";
    r.container_id = t->id() + "-2";
    r.task_id = t->id();
    r.pid = ::getpid();  // a live process: it still runs
    r.started_ms = 1700000000000;
    leftovers[t->id()] = r;
  }
  auto sup = spawn(supervisor, agent_,
                   std::map<std::string, std::shared_ptr<driver>>{{"process", drv_}},
                   std::string{"n1"}, dir_.path(), std::shared_ptr<blocking_pool>{},
                   leftovers);
  self->send(sup, atom::run_v, kept);
  self->send(sup, atom::stop_v, gone.id());
  run();
  EXPECT_TRUE(drv_->starts.empty()) << "re-attaching must not start a container";
  auto last = last_status(kept.id());
  EXPECT_EQ(last.state(), pb::RUNNING);
  EXPECT_EQ(last.pid(), ::getpid());
  EXPECT_EQ(last.container_id(), kept.id() + "-2");
  EXPECT_EQ(last.restarts(), 2u) << "re-attaching counts no restart";
  EXPECT_EQ(last.started_at(), 1700000000000);
  EXPECT_NE(last.message().find("re-attached"), std::string::npos) << last.message();
  EXPECT_EQ(drv_->signals_to(gone.id() + "-2"), std::vector<int>{SIGKILL});
  EXPECT_EQ(drv_->cleanups, std::vector<std::string>{gone.id() + "-2"});
  EXPECT_TRUE(log_->of(gone.id()).empty()) << "a leftover is no task of this node";
}

TEST_F(supervisor_test, stop_of_an_unassigned_task_ends_it) {
  auto task = task_on(web_with_restart("any", 0), 1, "n1");
  start(task);
  self->send(sup_, atom::stop_v, task.id());
  run();
  advance(poll_tick);
  EXPECT_EQ(last_status(task.id()).state(), pb::SHUTDOWN);
  EXPECT_FALSE(task_actor_of(task.id()));
}

TEST_F(supervisor_test, shutdown_during_the_restart_delay_ends_the_task) {
  auto task = task_on(web_with_restart("any", 5000), 1, "n1");
  start(task);
  exit_last(1, "exited with code 1");
  task.set_desired_state(pb::SHUTDOWN);
  self->send(sup_, atom::run_v, task);
  run();
  auto last = last_status(task.id());
  EXPECT_EQ(last.state(), pb::SHUTDOWN);
  EXPECT_NE(last.message().find("waiting to restart"), std::string::npos)
    << last.message();
  advance(milliseconds(5000));
  EXPECT_EQ(drv_->starts.size(), 1u) << "restarted after it was shut down";
}

TEST_F(supervisor_test, a_task_actor_that_dies_while_stopping_still_stops) {
  drv_->exit_on_sigterm = false;
  auto task = task_on(web_with_restart("any", 0), 1, "n1");  // grace 5s
  start(task);
  auto container = drv_->last_id();
  task.set_desired_state(pb::SHUTDOWN);
  self->send(sup_, atom::run_v, task);
  run();
  self->send_exit(task_actor_of(task.id()),
                  caf::make_error(caf::sec::runtime_error));
  run();
  ASSERT_TRUE(task_actor_of(task.id()));
  advance(milliseconds(5000));
  advance(poll_tick);
  auto sigs = drv_->signals_to(container);
  ASSERT_FALSE(sigs.empty());
  EXPECT_EQ(sigs.back(), SIGKILL) << "the stop was lost with the old actor";
  EXPECT_EQ(last_status(task.id()).state(), pb::SHUTDOWN);
}

// An assignment list may still hold a task that ended here (the manager has
// not yet recorded the end): it must not start again.
TEST_F(supervisor_test, a_task_that_ended_is_not_started_again) {
  auto task = task_on(web_with_restart("none", 0), 1, "n1");
  start(task);
  exit_last(0, "exited with code 0");
  ASSERT_EQ(last_status(task.id()).state(), pb::COMPLETE);
  self->send(sup_, atom::run_v, task);  // the same assignment, once more
  run();
  EXPECT_EQ(drv_->starts.size(), 1u) << "a completed task ran again";
}

// A node that runs for months ends many tasks: once its list drops a task,
// the supervisor forgets it, whether it ended before or after.
TEST_F(supervisor_test, an_ended_task_is_forgotten_once_it_is_no_longer_assigned) {
  auto done = task_on(web_with_restart("none", 0), 1, "n1");
  start(done);
  exit_last(0, "exited with code 0");
  ASSERT_EQ(ended(), std::set<std::string>{done.id()}) << "still assigned: remembered";
  self->send(sup_, atom::stop_v, done.id());
  run();
  EXPECT_TRUE(ended().empty());

  auto removed = task_on(web_with_restart("any", 0), 2, "n1");
  start(removed);
  self->send(sup_, atom::stop_v, removed.id());
  run();
  advance(poll_tick);
  ASSERT_EQ(last_status(removed.id()).state(), pb::SHUTDOWN);
  EXPECT_TRUE(ended().empty()) << "stopped because unassigned: nothing to remember";
  EXPECT_EQ(drv_->starts.size(), 2u);
}

// Issue 10 item 15: a task first seen with desired SHUTDOWN (its move was
// called off before this node started it) must still end: the manager
// would otherwise show it `assigned` for good.
TEST_F(supervisor_test, a_task_desired_shutdown_before_it_started_is_reported_shut_down) {
  auto task = task_on(web_with_restart("any", 1000), 1, "n1");
  task.set_desired_state(pb::SHUTDOWN);
  start(task);
  EXPECT_TRUE(drv_->starts.empty());
  EXPECT_EQ(last_status(task.id()).state(), pb::SHUTDOWN);
  // Told again (every assignment repeats it): no second report, no start.
  auto reports = log_->of(task.id()).size();
  start(task);
  EXPECT_EQ(log_->of(task.id()).size(), reports);
  EXPECT_TRUE(drv_->starts.empty());
}

} // namespace
} // namespace troupe::test
