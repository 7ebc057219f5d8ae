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
