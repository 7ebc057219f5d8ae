// The API's side of node updates (queries.cpp): what `troupe node
// drain|activate|update` is told, and how a moving slot is counted.
#include <gtest/gtest.h>

#include "actors/manager/queries.hpp"
#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

pb::Request update_request(const std::string& name, const std::string& avail,
                           const std::string& label_key = "") {
  pb::Request r;
  auto* u = r.mutable_update_node();
  u->set_name(name);
  u->set_availability(avail);
  if (!label_key.empty())
    (*u->mutable_labels_add())[label_key] = "v";
  return r;
}

cluster_state one_node() {
  cluster_state s;
  s.apply(entry_builder(1).put_node(node("w1")));
  return s;
}

} // namespace

TEST(queries_node_update, a_valid_update_is_a_write_of_one_change) {
  auto view = one_node();
  auto req = update_request("w1", "drain");
  EXPECT_TRUE(is_write(req));
  EXPECT_FALSE(is_read(req));
  std::string error;
  auto entry = plan_write(view, req, &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(entry.changes_size(), 1);
  EXPECT_EQ(entry.changes(0).node_update().name(), "w1");
  EXPECT_EQ(entry.changes(0).node_update().availability(), "drain");
}

TEST(queries_node_update, bad_requests_get_one_sentence_and_propose_nothing) {
  struct row { pb::Request req; std::string error; };
  std::vector<row> rows = {
      {update_request("w9", "drain"), "no node named 'w9'"},
      {update_request("w1", "off"),
       "node w1 cannot be updated: availability 'off' is not one of active, drain"},
      {update_request("w1", "", "my zone"),
       "node w1 cannot be updated: label key 'my zone' must be non-empty and "
       "without spaces"},
      {update_request("w1", ""), "node w1 cannot be updated: the node update "
                                 "changes nothing"},
  };
  auto view = one_node();
  for (auto& r : rows) {
    std::string error;
    auto entry = plan_write(view, r.req, &error);
    EXPECT_EQ(error, r.error);
    EXPECT_EQ(entry.changes_size(), 0) << r.error;
  }
}

TEST(queries_node_update, a_moving_slot_running_twice_counts_once) {
  auto view = one_node();
  view.apply(entry_builder(2).put_node(node("w2")));
  view.apply(entry_builder(3).deploy(
    stack_spec("app", {service_spec("app", "web", 2)})));
  view.apply(entry_builder(4).create("a", "app_web", 1).create("b", "app_web", 1)
               .create("c", "app_web", 2));
  view.apply(entry_builder(5).assign("a", "w1").assign("b", "w2").assign("c", "w2"));
  view.apply(entry_builder(6).status("a", pb::RUNNING, 10)
               .status("b", pb::RUNNING, 11).status("c", pb::RUNNING, 12));
  auto summary = summarize(view, *view.find_service("app_web"));
  EXPECT_EQ(summary.replicas_running(), 2u);
  EXPECT_EQ(summary.tasks_updated(), 2u);
  EXPECT_EQ(summary.replicas_desired(), 2u);
}

// Issue 10 item 11: running means running and, if the service checks its
// health, healthy: `service ls` must not count a starting or unhealthy task.
TEST(queries_service_summary, only_healthy_tasks_of_a_checked_service_count_as_running) {
  auto view = one_node();
  auto spec = service_spec("app", "web", 3);
  spec.mutable_health()->set_tcp(true);
  view.apply(entry_builder(2).deploy(stack_spec("app", {spec})));
  entry_builder create(3);
  for (auto [id, slot] : {std::pair{"a", 1u}, {"b", 2u}, {"c", 3u}}) {
    pb::Change c;  // a task runs its own copy of the spec, health check included
    auto* t = c.mutable_create_task();
    t->set_id(id);
    t->set_service("app_web");
    t->set_slot(slot);
    t->set_spec_version(1);
    *t->mutable_spec() = spec;
    create.change(c);
  }
  view.apply(create.entry());
  view.apply(entry_builder(4).assign("a", "w1").assign("b", "w1").assign("c", "w1"));
  view.apply(entry_builder(5).status("a", pb::RUNNING, 10)
               .status("b", pb::RUNNING, 11).status("c", pb::RUNNING, 12));
  pb::Entry health;
  health.set_index(6);
  for (auto [id, h] : {std::pair{"a", "healthy"}, {"b", "starting"}, {"c", "unhealthy"}}) {
    auto* s = health.add_changes()->mutable_task_status();
    s->set_task_id(id);
    s->set_state(pb::RUNNING);
    s->set_pid(10);
    s->set_health(h);
  }
  view.apply(health);
  auto summary = summarize(view, *view.find_service("app_web"));
  EXPECT_EQ(summary.replicas_running(), 1u);
  EXPECT_EQ(summary.tasks_updated(), 1u);
  EXPECT_EQ(summary.replicas_desired(), 3u);
}

// The task ceiling ([limits] max_tasks) is judged from totals the state
// keeps as services change, and only the services a write touches.
TEST(queries_task_ceiling, judges_the_total_after_the_write_from_kept_totals) {
  auto view = one_node();
  view.apply(entry_builder(2).put_node(node("w2")));
  auto global = service_spec("app", "agent", 0);
  global.set_mode("global");
  view.apply(entry_builder(3).deploy(
    stack_spec("app", {service_spec("app", "web", 3), global})));
  view.apply(entry_builder(4).deploy(stack_spec("db", {service_spec("db", "pg", 2)})));
  EXPECT_EQ(view.replicas_wanted(), 5u);
  EXPECT_EQ(view.global_services(), 1u);

  input_limits limits;
  limits.max_tasks = 10;  // wanted now: 3 + 2 + 1 per node (2) = 7
  pb::Entry scale;
  scale.add_changes()->mutable_scale_service()->set_service("app_web");
  scale.mutable_changes(0)->mutable_scale_service()->set_replicas(6);
  EXPECT_EQ(task_ceiling_problem(view, scale, limits), "");  // 10
  scale.mutable_changes(0)->mutable_scale_service()->set_replicas(7);
  EXPECT_EQ(task_ceiling_problem(view, scale, limits),
            "the cluster would run 11 tasks, above the limit of 10 ([limits] "
            "max_tasks in the cluster config)");

  // A redeploy replaces the stack's services: app_web's 3 and the global
  // one go, the new ones count.
  auto redeploy = entry_builder(5).deploy(stack_spec("app", {service_spec("app", "web", 8)})).entry();
  EXPECT_EQ(task_ceiling_problem(view, redeploy, limits), "");  // 8 + 2
  redeploy = entry_builder(5).deploy(stack_spec("app", {service_spec("app", "web", 9)})).entry();
  EXPECT_NE(task_ceiling_problem(view, redeploy, limits), "");

  // The totals follow scale and removal, and survive a snapshot round trip.
  view.apply(entry_builder(5).scale("app_web", 1));
  EXPECT_EQ(view.replicas_wanted(), 3u);
  cluster_state copy;
  copy.restore(view.snapshot());
  EXPECT_EQ(copy.replicas_wanted(), 3u);
  EXPECT_EQ(copy.global_services(), 1u);
  view.apply(entry_builder(6).remove_stack("app"));
  EXPECT_EQ(view.replicas_wanted(), 2u);
  EXPECT_EQ(view.global_services(), 0u);
}
