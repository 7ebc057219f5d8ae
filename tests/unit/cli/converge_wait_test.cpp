#include <gtest/gtest.h>

#include "cli/converge_wait.hpp"

namespace troupe::cli {
namespace {

service_observation seen(const std::string& name, uint32_t desired, uint32_t running,
                         uint32_t updated) {
  service_observation s;
  s.service = name;
  s.found = true;
  s.desired = desired;
  s.running = running;
  s.updated = updated;
  return s;
}

pb::Task task(uint32_t slot, pb::TaskState state, pb::TaskState desired,
              const std::string& message) {
  pb::Task t;
  t.set_service("demo_web");
  t.set_slot(slot);
  t.set_id("demo_web." + std::to_string(slot) + ".x" + message.substr(0, 2));
  t.set_state(state);
  t.set_desired_state(desired);
  t.set_message(message);
  return t;
}

TEST(evaluate_convergence, decides_per_service) {
  struct row {
    const char* what;
    std::vector<service_observation> services;
    bool converged;
    std::vector<std::string> waiting;
  };
  service_observation missing;
  missing.service = "demo_db";
  std::vector<row> rows = {
      {"all running and updated", {seen("demo_web", 3, 3, 3), seen("demo_db", 1, 1, 1)}, true, {}},
      {"scaled to zero", {seen("demo_web", 0, 0, 0)}, true, {}},
      {"too few running", {seen("demo_web", 3, 2, 2)}, false, {"demo_web"}},
      {"too many running", {seen("demo_web", 1, 2, 2)}, false, {"demo_web"}},
      {"rolling update not done", {seen("demo_web", 3, 3, 1)}, false, {"demo_web"}},
      {"service not there yet", {seen("demo_web", 1, 1, 1), missing}, false, {"demo_db"}},
  };
  for (const auto& r : rows) {
    auto c = evaluate_convergence(r.services);
    EXPECT_EQ(c.converged, r.converged) << r.what;
    EXPECT_EQ(c.waiting, r.waiting) << r.what;
  }
}

TEST(evaluate_convergence, progress_line_says_running_over_desired) {
  auto c = evaluate_convergence({seen("demo_web", 3, 2, 1)});
  ASSERT_EQ(c.progress.size(), 1u);
  EXPECT_EQ(c.progress[0].text, "demo_web: 2/3 running, 1 updated");
  c = evaluate_convergence({seen("demo_web", 3, 2, 2)});
  EXPECT_EQ(c.progress[0].text, "demo_web: 2/3 running");
}

TEST(evaluate_convergence, reports_stuck_tasks_desired_running) {
  auto s = seen("demo_web", 3, 1, 1);
  s.tasks = {task(1, pb::RUNNING, pb::RUNNING, ""),
             task(2, pb::PENDING, pb::RUNNING, "no suitable node: 0 of 1 nodes have 4 cpus"),
             task(3, pb::PENDING, pb::RUNNING, ""),  // just created: not a problem
             task(3, pb::FAILED, pb::SHUTDOWN, "exit 1"),  // history: not a problem
             task(4, pb::REJECTED, pb::RUNNING, "image busybox not found")};
  auto c = evaluate_convergence({s});
  EXPECT_FALSE(c.converged);
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].text,
            "demo_web.2: pending: no suitable node: 0 of 1 nodes have 4 cpus");
  EXPECT_EQ(c.problems[1].text, "demo_web.4: rejected: image busybox not found");
}

TEST(evaluate_convergence, a_converged_service_reports_no_problems) {
  auto s = seen("demo_web", 1, 1, 1);
  s.tasks = {task(1, pb::FAILED, pb::RUNNING, "exit 1")};
  auto c = evaluate_convergence({s});
  EXPECT_TRUE(c.converged);
  EXPECT_TRUE(c.problems.empty());
}

// Issue 10 item 11: converged means every task running and every update
// completed; a rolling update still going on is not converged.
TEST(evaluate_convergence, waits_for_the_rolling_update_to_complete) {
  struct row {
    const char* state;
    bool converged;
  };
  for (auto r : {row{"", true}, row{"completed", true}, row{"rolled_back", true},
                 row{"updating", false}, row{"rollback_started", false}}) {
    auto s = seen("demo_web", 2, 2, 2);
    s.update_state = r.state;
    EXPECT_EQ(evaluate_convergence({s}).converged, r.converged) << r.state;
  }
}

TEST(observe, matches_summaries_by_full_service_name) {
  pb::Response list;
  auto* web = list.add_services();
  web->mutable_service()->mutable_spec()->set_name("demo_web");
  web->set_replicas_desired(3);
  web->set_replicas_running(2);
  web->set_tasks_updated(1);
  std::map<std::string, std::vector<pb::Task>> tasks;
  tasks["demo_web"] = {task(1, pb::RUNNING, pb::RUNNING, "")};
  auto obs = observe({"demo_web", "demo_db"}, list, tasks);
  ASSERT_EQ(obs.size(), 2u);
  EXPECT_TRUE(obs[0].found);
  EXPECT_EQ(obs[0].desired, 3u);
  EXPECT_EQ(obs[0].running, 2u);
  EXPECT_EQ(obs[0].updated, 1u);
  EXPECT_EQ(obs[0].tasks.size(), 1u);
  EXPECT_FALSE(obs[1].found);
}

TEST(progress_tracker, prints_changes_and_each_problem_once) {
  progress_tracker tracker;
  auto s = seen("demo_web", 3, 1, 1);
  s.tasks = {task(2, pb::PENDING, pb::RUNNING, "no suitable node")};
  auto first = tracker.new_lines(evaluate_convergence({s}));
  EXPECT_EQ(first, (std::vector<std::string>{"demo_web: 1/3 running",
                                             "demo_web.2: pending: no suitable node"}));
  EXPECT_TRUE(tracker.new_lines(evaluate_convergence({s})).empty());
  s.running = 2;
  s.updated = 2;
  auto third = tracker.new_lines(evaluate_convergence({s}));
  EXPECT_EQ(third, (std::vector<std::string>{"demo_web: 2/3 running"}));
  EXPECT_EQ(tracker.reason("demo_web"), "demo_web.2: pending: no suitable node");
}

TEST(progress_tracker, reason_without_problems_is_the_progress) {
  progress_tracker tracker;
  tracker.new_lines(evaluate_convergence({seen("demo_web", 3, 2, 2)}));
  EXPECT_EQ(tracker.reason("demo_web"), "2/3 running");
  EXPECT_EQ(tracker.reason("other"), "no answer yet");
}


// Issue 10 items 12 and 13: the wait ends at once, with the reason, when
// waiting is pointless; a job converges when all its tasks completed.
namespace {

pb::Task ended(uint32_t slot, pb::TaskState state, const std::string& message,
               int64_t created = 1) {
  pb::Task t;
  t.set_service("demo_web");
  t.set_slot(slot);
  t.set_id("demo_web." + std::to_string(slot) + ".c" + std::to_string(created));
  t.set_state(state);
  t.set_desired_state(pb::RUNNING);
  t.set_message(message);
  t.set_spec_version(1);
  t.set_created_at(created);
  return t;
}

} // namespace

TEST(evaluate_convergence, a_replicated_task_that_ended_for_good_is_stuck) {
  auto s = seen("demo_web", 1, 0, 0);
  s.spec_version = 1;
  s.tasks = {ended(1, pb::COMPLETE, "exited with code 0; restart condition is none")};
  auto c = evaluate_convergence({s});
  EXPECT_FALSE(c.converged);
  EXPECT_NE(c.stuck.find("demo_web.1: complete: exited with code 0"), std::string::npos)
      << c.stuck;
  EXPECT_NE(c.stuck.find("mode = \"replicated-job\""), std::string::npos) << c.stuck;
  // An older ended task with a newer one in its slot is history, not stuck.
  s.tasks = {ended(1, pb::FAILED, "exit 1", 1), ended(1, pb::RUNNING, "", 2)};
  EXPECT_EQ(evaluate_convergence({s}).stuck, "");
  // On an older spec: the rollout replaces it.
  s.spec_version = 2;
  s.tasks = {ended(1, pb::FAILED, "exit 1")};
  EXPECT_EQ(evaluate_convergence({s}).stuck, "");
}

TEST(evaluate_convergence, a_port_another_process_holds_is_stuck) {
  auto s = seen("demo_web", 1, 1, 1);
  pb::PortStatus p;
  p.set_node("n1");
  p.set_published(8080);
  p.set_error("cannot listen on 0.0.0.0:8080: Address already in use");
  s.port_errors = {p};
  auto c = evaluate_convergence({s});
  EXPECT_FALSE(c.converged);
  EXPECT_EQ(c.stuck, "demo_web: published port 8080 cannot be opened on node n1: "
                     "cannot listen on 0.0.0.0:8080: Address already in use");
}

TEST(evaluate_convergence, a_job_converges_when_all_completed_and_fails_on_a_failure) {
  auto s = seen("demo_web", 3, 1, 1);
  s.mode = "replicated-job";
  s.completed = 2;
  auto c = evaluate_convergence({s});
  EXPECT_FALSE(c.converged);
  EXPECT_EQ(c.progress[0].text, "demo_web: 2/3 completed, 1 running");
  EXPECT_EQ(c.stuck, "");
  s.running = 0;
  s.completed = 3;
  EXPECT_TRUE(evaluate_convergence({s}).converged);
  s.completed = 1;
  s.failed = 1;
  s.spec_version = 1;
  s.tasks = {ended(1, pb::COMPLETE, "exit 0"), ended(2, pb::FAILED, "exited with code 3")};
  c = evaluate_convergence({s});
  EXPECT_FALSE(c.converged);
  EXPECT_EQ(c.stuck, "demo_web.2: failed: exited with code 3 (the job failed)");
}

} // namespace
} // namespace troupe::cli
