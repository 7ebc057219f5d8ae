// `service update` flags → request, and the update wait's decisions.
#include <gtest/gtest.h>

#include "cli/update_wait.hpp"

using namespace troupe;
using namespace troupe::cli;

namespace {

TEST(split_words, quotes_group_words) {
  std::vector<std::string> w;
  std::string err;
  ASSERT_TRUE(split_words("sh -c 'exit 1'  \"a b\"", &w, &err));
  EXPECT_EQ(w, (std::vector<std::string>{"sh", "-c", "exit 1", "a b"}));
  EXPECT_FALSE(split_words("sh -c 'oops", &w, &err));
  EXPECT_NE(err.find("unclosed"), std::string::npos);
}

TEST(build_update_request, maps_flags) {
  update_flags f;
  f.service = "app_web";
  f.env = {"A=1", "B=x=y"};
  f.env_rm = {"C"};
  f.replicas = "3";
  f.order = "start-first";
  f.monitor = "500ms";
  pb::ServiceUpdateRequest r;
  std::string err;
  ASSERT_TRUE(build_update_request(f, &r, &err)) << err;
  EXPECT_EQ(r.env_add().at("B"), "x=y");
  EXPECT_EQ(r.env_rm(0), "C");
  EXPECT_TRUE(r.set_replicas());
  EXPECT_EQ(r.replicas(), 3u);
  EXPECT_TRUE(r.set_update());
  EXPECT_EQ(r.update().order(), "start-first");
  EXPECT_EQ(r.update().monitor_ms(), 500);
  EXPECT_FALSE(r.set_command());
}

TEST(build_update_request, rejects_bad_values_in_one_sentence) {
  struct row {
    update_flags f;
    std::string says;
  };
  std::vector<row> rows(6);
  rows[0].f.env = {"=1"};
  rows[0].says = "--env";
  rows[1].f.replicas = "-1";
  rows[1].says = "--replicas";
  rows[2].f.order = "sideways";
  rows[2].says = "--update-order";
  rows[3].f.failure_action = "explode";
  rows[3].says = "--update-failure-action";
  rows[4].f.delay = "soon";
  rows[4].says = "--update-delay";
  rows[5].f.max_failure_ratio = "2";
  rows[5].says = "--update-max-failure-ratio";
  for (auto& r : rows) {
    pb::ServiceUpdateRequest req;
    std::string err;
    EXPECT_FALSE(build_update_request(r.f, &req, &err)) << r.says;
    EXPECT_NE(err.find(r.says), std::string::npos) << err;
  }
}

pb::ServiceSummary summary(const std::string& state, const std::string& msg = "") {
  pb::ServiceSummary s;
  s.mutable_service()->mutable_spec()->set_name("app_web");
  s.set_replicas_desired(3);
  auto* u = s.mutable_service()->mutable_update_status();
  u->set_state(state);
  u->set_message(msg);
  u->set_updated(1);
  return s;
}

TEST(evaluate_update, finishes_on_end_states) {
  auto p = evaluate_update(summary("updating"), false, 0);
  EXPECT_FALSE(p.finished);
  EXPECT_EQ(p.line, "app_web: updating: 1/3 updated");
  p = evaluate_update(summary("completed"), false, 0);
  EXPECT_TRUE(p.finished && p.ok);
  p = evaluate_update(summary("paused", "update paused: task x restarted"), false, 0);
  EXPECT_TRUE(p.finished);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.error, "service app_web: update paused: task x restarted");
  p = evaluate_update(summary("rolled_back", "update failed: task x ended"), false, 0);
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("rolled back: update failed"), std::string::npos);
  p = evaluate_update(summary("rolled_back"), true, 0);
  EXPECT_TRUE(p.finished && p.ok);
  p = evaluate_update(summary("rollback_started"), true, 0);
  EXPECT_FALSE(p.finished);
  EXPECT_EQ(p.line, "app_web: rolling back: 1/3 updated");
}

TEST(update_status_text, says_state_reason_and_counts) {
  pb::UpdateStatus s;
  EXPECT_EQ(update_status_text(s, 0), "");
  s.set_state("paused");
  s.set_message("update paused: task x restarted");
  s.set_updated(1);
  s.set_failed(1);
  s.set_started_at(1000);
  EXPECT_EQ(update_status_text(s, 10000),
            "paused: update paused: task x restarted (1 updated, 1 failed, started 9s ago)");
}

} // namespace

namespace {

TEST(evaluate_convergence, a_paused_update_stops_the_wait) {
  troupe::cli::service_observation s;
  s.service = "app_web";
  s.found = true;
  s.desired = 2;
  s.running = 2;
  s.updated = 1;
  s.update_state = "paused";
  s.update_message = "update paused: task app_web.2.x restarted";
  auto c = troupe::cli::evaluate_convergence({s});
  EXPECT_FALSE(c.converged);
  EXPECT_EQ(c.stuck, "app_web: update paused: task app_web.2.x restarted");
  s.update_state = "updating";
  EXPECT_EQ(troupe::cli::evaluate_convergence({s}).stuck, "");
}

} // namespace
