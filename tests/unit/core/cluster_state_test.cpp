// cluster_state::apply: the rules of cluster_state.hpp, one behaviour each.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "tests/unit/core/core_fixtures.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

const std::string web = "app_web";

// A state with stack "app" (web x2) and task t1 of web created at index 2.
cluster_state deployed() {
  cluster_state s;
  s.apply(entry_builder(1).deploy(stack_spec("app", {service_spec("app", "web", 2)})));
  s.apply(entry_builder(2).create("t1", web, 1));
  return s;
}

} // namespace

TEST(cluster_state, deploy_creates_stack_and_services) {
  cluster_state s;
  auto touched = s.apply(entry_builder(7).deploy(stack_spec(
    "app", {service_spec("app", "web", 2), service_spec("app", "db", 1)})));
  EXPECT_EQ(s.index(), 7u);
  ASSERT_NE(s.find_service("app_web"), nullptr);
  auto& svc = *s.find_service("app_web");
  EXPECT_EQ(svc.version(), 1u);
  EXPECT_EQ(svc.spec_version(), 1u);
  EXPECT_EQ(svc.created_at(), 7000);
  EXPECT_EQ(s.stacks().at("app").services_size(), 2);
  EXPECT_EQ(touched.stacks, std::set<std::string>{"app"});
  EXPECT_EQ(touched.services, (std::set<std::string>{"app_web", "app_db"}));
}

TEST(cluster_state, redeploy_of_same_spec_touches_nothing) {
  auto s = deployed();
  auto touched = s.apply(entry_builder(3).deploy(
    stack_spec("app", {service_spec("app", "web", 2)})));
  EXPECT_TRUE(touched.empty());
  EXPECT_EQ(s.find_service(web)->version(), 1u);
  EXPECT_EQ(s.stacks().at("app").updated_at(), 1000);
  EXPECT_EQ(s.index(), 3u);
}

TEST(cluster_state, replica_change_bumps_version_only) {
  auto s = deployed();
  s.apply(entry_builder(3).deploy(stack_spec("app", {service_spec("app", "web", 5)})));
  auto& svc = *s.find_service(web);
  EXPECT_EQ(svc.version(), 2u);
  EXPECT_EQ(svc.spec_version(), 1u);
  EXPECT_EQ(svc.spec().replicas(), 5u);
  EXPECT_EQ(svc.updated_at(), 3000);
  EXPECT_EQ(svc.created_at(), 1000);
}

TEST(cluster_state, spec_change_bumps_spec_version_and_keeps_previous) {
  auto s = deployed();
  auto changed = service_spec("app", "web", 2);
  (*changed.mutable_env())["MODE"] = "fast";
  s.apply(entry_builder(3).deploy(stack_spec("app", {changed})));
  auto& svc = *s.find_service(web);
  EXPECT_EQ(svc.version(), 2u);
  EXPECT_EQ(svc.spec_version(), 2u);
  EXPECT_EQ(svc.spec().env().at("MODE"), "fast");
  EXPECT_EQ(svc.previous_spec().env_size(), 0);
  EXPECT_EQ(svc.previous_spec().name(), web);
}

TEST(cluster_state, redeploy_without_a_service_removes_it) {
  cluster_state s;
  s.apply(entry_builder(1).deploy(stack_spec(
    "app", {service_spec("app", "web", 1), service_spec("app", "db", 1)})));
  s.apply(entry_builder(2).create("p", "app_db", 1).create("r", "app_db", 1)
            .create("f", "app_db", 1));
  s.apply(entry_builder(3).assign("r", "w1").assign("f", "w1")
            .status("f", pb::FAILED));
  auto touched = s.apply(entry_builder(4).deploy(
    stack_spec("app", {service_spec("app", "web", 1)})));
  EXPECT_EQ(s.find_service("app_db"), nullptr);
  EXPECT_EQ(touched.services.count("app_db"), 1u);
  // Never-assigned and terminal tasks go; the assigned one is asked to stop.
  EXPECT_EQ(s.find_task("p"), nullptr);
  EXPECT_EQ(s.find_task("f"), nullptr);
  ASSERT_NE(s.find_task("r"), nullptr);
  EXPECT_EQ(s.find_task("r")->desired_state(), pb::SHUTDOWN);
  EXPECT_EQ(s.find_task("r")->state(), pb::ASSIGNED);
  EXPECT_EQ(touched.tasks, (std::set<std::string>{"p", "r", "f"}));
  // When it ends, the orphaned task is deleted.
  touched = s.apply(entry_builder(5).status("r", pb::SHUTDOWN));
  EXPECT_EQ(s.find_task("r"), nullptr);
  EXPECT_EQ(touched.tasks.count("r"), 1u);
}

TEST(cluster_state, remove_stack_removes_services_and_unknown_is_skipped) {
  auto s = deployed();
  auto touched = s.apply(entry_builder(3).remove_stack("nope"));
  EXPECT_TRUE(touched.empty());
  touched = s.apply(entry_builder(4).remove_stack("app"));
  EXPECT_TRUE(s.stacks().empty());
  EXPECT_TRUE(s.services().empty());
  EXPECT_TRUE(s.tasks().empty());  // t1 was pending
  EXPECT_EQ(touched.tasks.count("t1"), 1u);
}

TEST(cluster_state, scale_rules) {
  auto s = deployed();
  auto g = service_spec("app", "agent", 0);
  g.set_mode("global");
  s.apply(entry_builder(3).deploy(stack_spec("app", {service_spec("app", "web", 2), g})));
  EXPECT_TRUE(s.apply(entry_builder(4).scale("app_agent", 3)).empty());
  EXPECT_TRUE(s.apply(entry_builder(5).scale("app_nope", 3)).empty());
  EXPECT_TRUE(s.apply(entry_builder(6).scale(web, 2)).empty());
  s.apply(entry_builder(7).scale(web, 4));
  EXPECT_EQ(s.find_service(web)->spec().replicas(), 4u);
  EXPECT_EQ(s.find_service(web)->version(), 2u);
  EXPECT_EQ(s.find_service(web)->spec_version(), 1u);
}

TEST(cluster_state, create_task_forces_pending_and_needs_service_and_new_id) {
  auto s = deployed();
  pb::Change c;
  auto* t = c.mutable_create_task();
  t->set_id("t2");
  t->set_service(web);
  t->set_state(pb::RUNNING);
  t->set_desired_state(pb::SHUTDOWN);
  s.apply(entry_builder(3).change(c).create("t1", web, 2).create("x", "app_nope", 1));
  EXPECT_EQ(s.find_task("t2")->state(), pb::PENDING);
  EXPECT_EQ(s.find_task("t2")->desired_state(), pb::RUNNING);
  EXPECT_EQ(s.find_task("t2")->created_at(), 3000);
  EXPECT_EQ(s.find_task("t1")->slot(), 1u);  // the duplicate id was skipped
  EXPECT_EQ(s.find_task("x"), nullptr);
}

TEST(cluster_state, assign_only_from_pending) {
  auto s = deployed();
  auto touched = s.apply(entry_builder(3).assign("t1", "", "no suitable node"));
  EXPECT_EQ(s.find_task("t1")->state(), pb::PENDING);
  EXPECT_EQ(s.find_task("t1")->message(), "no suitable node");
  EXPECT_EQ(touched.tasks.count("t1"), 1u);
  pb::Change c;
  c.mutable_assign_task()->set_task_id("t1");
  c.mutable_assign_task()->set_node("w1");
  (*c.mutable_assign_task()->mutable_host_ports())["http"] = 30001;
  s.apply(entry_builder(4).change(c));
  EXPECT_EQ(s.find_task("t1")->state(), pb::ASSIGNED);
  EXPECT_EQ(s.find_task("t1")->node(), "w1");
  EXPECT_EQ(s.find_task("t1")->host_ports().at("http"), 30001u);
  EXPECT_TRUE(s.apply(entry_builder(5).assign("t1", "w2")).empty());
  EXPECT_EQ(s.find_task("t1")->node(), "w1");
}

TEST(cluster_state, states_only_move_forward) {
  struct step { pb::TaskState from, to, expect; };
  const step table[] = {
    {pb::ASSIGNED, pb::RUNNING, pb::RUNNING},
    {pb::ASSIGNED, pb::STARTING, pb::STARTING},
    {pb::RUNNING, pb::STARTING, pb::RUNNING},
    {pb::RUNNING, pb::ASSIGNED, pb::RUNNING},
    {pb::RUNNING, pb::FAILED, pb::FAILED},
    {pb::STARTING, pb::COMPLETE, pb::COMPLETE},
    {pb::FAILED, pb::RUNNING, pb::FAILED},
    {pb::SHUTDOWN, pb::RUNNING, pb::SHUTDOWN},
    {pb::COMPLETE, pb::FAILED, pb::COMPLETE},
  };
  for (auto& row : table) {
    auto s = deployed();
    s.apply(entry_builder(3).assign("t1", "w1"));
    if (row.from != pb::ASSIGNED)
      s.apply(entry_builder(4).status("t1", row.from));
    s.apply(entry_builder(5).status("t1", row.to, 42, 3));
    SCOPED_TRACE(state_name(row.from) + " -> " + state_name(row.to));
    EXPECT_EQ(s.find_task("t1")->state(), row.expect);
  }
}

TEST(cluster_state, restart_in_place_keeps_running_and_takes_fields) {
  auto s = deployed();
  s.apply(entry_builder(3).assign("t1", "w1").status("t1", pb::RUNNING, 100));
  auto touched = s.apply(entry_builder(4).status("t1", pb::STARTING, 200, 1));
  auto& t = *s.find_task("t1");
  EXPECT_EQ(t.state(), pb::RUNNING);
  EXPECT_EQ(t.pid(), 200);
  EXPECT_EQ(t.restarts(), 1u);
  EXPECT_EQ(t.updated_at(), 4000);
  EXPECT_EQ(touched.tasks.count("t1"), 1u);
}

TEST(cluster_state, status_for_terminal_task_is_ignored) {
  auto s = deployed();
  s.apply(entry_builder(3).assign("t1", "w1").status("t1", pb::FAILED, 9));
  auto touched = s.apply(entry_builder(4).status("t1", pb::RUNNING, 77, 4));
  EXPECT_TRUE(touched.empty());
  EXPECT_EQ(s.find_task("t1")->pid(), 9);
  EXPECT_EQ(s.find_task("t1")->restarts(), 0u);
}

TEST(cluster_state, set_desired_only_running_to_shutdown) {
  auto s = deployed();
  s.apply(entry_builder(3).create("t2", web, 2).assign("t2", "w1"));
  s.apply(entry_builder(4).shutdown("t1").shutdown("t2"));
  EXPECT_EQ(s.find_task("t1")->state(), pb::SHUTDOWN);
  EXPECT_EQ(s.find_task("t1")->message(), "shut down before it was assigned");
  EXPECT_EQ(s.find_task("t2")->state(), pb::ASSIGNED);
  EXPECT_EQ(s.find_task("t2")->desired_state(), pb::SHUTDOWN);
  EXPECT_TRUE(s.apply(entry_builder(5).shutdown("t2")).empty());
  pb::Change back;
  back.mutable_set_desired()->set_task_id("t2");
  back.mutable_set_desired()->set_desired_state(pb::RUNNING);
  EXPECT_TRUE(s.apply(entry_builder(6).change(back)).empty());
  EXPECT_EQ(s.find_task("t2")->desired_state(), pb::SHUTDOWN);
}

TEST(cluster_state, remove_task_only_deletes_terminal_tasks) {
  auto s = deployed();
  EXPECT_TRUE(s.apply(entry_builder(3).remove_task("t1")).empty());
  s.apply(entry_builder(4).assign("t1", "w1").status("t1", pb::COMPLETE));
  auto touched = s.apply(entry_builder(5).remove_task("t1"));
  EXPECT_EQ(s.find_task("t1"), nullptr);
  EXPECT_EQ(touched.tasks.count("t1"), 1u);
}

TEST(cluster_state, put_node_defaults_and_keeps_registration) {
  cluster_state s;
  auto n = node("w1");
  n.clear_state();
  n.clear_availability();
  s.apply(entry_builder(1).put_node(n));
  EXPECT_EQ(s.find_node("w1")->state(), "ready");
  EXPECT_EQ(s.find_node("w1")->availability(), "active");
  EXPECT_EQ(s.find_node("w1")->registered_at(), 1000);
  s.apply(entry_builder(2).node_status("w1", "", "drain"));
  n.set_cpus(8);
  auto touched = s.apply(entry_builder(3).put_node(n));
  EXPECT_EQ(touched.nodes.count("w1"), 1u);
  EXPECT_EQ(s.find_node("w1")->registered_at(), 1000);
  EXPECT_EQ(s.find_node("w1")->updated_at(), 3000);
  EXPECT_EQ(s.find_node("w1")->cpus(), 8);
  EXPECT_EQ(s.find_node("w1")->availability(), "drain");  // a restart keeps a drain
}

TEST(cluster_state, node_status_sets_given_fields_and_skips_unknown) {
  cluster_state s;
  s.apply(entry_builder(1).put_node(node("w1")));
  EXPECT_TRUE(s.apply(entry_builder(2).node_status("w9", "down", "")).empty());
  EXPECT_TRUE(s.apply(entry_builder(3).node_status("w1", "sleepy", "")).empty());
  s.apply(entry_builder(4).node_status("w1", "down", ""));
  EXPECT_EQ(s.find_node("w1")->state(), "down");
  EXPECT_EQ(s.find_node("w1")->availability(), "active");
  EXPECT_EQ(s.find_node("w1")->updated_at(), 4000);
}

TEST(cluster_state, tasks_of_orders_by_slot_then_creation) {
  auto s = deployed();
  s.apply(entry_builder(3).create("b", web, 2).create("a", web, 1));
  auto tasks = s.tasks_of(web);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0]->id(), "t1");
  EXPECT_EQ(tasks[1]->id(), "a");
  EXPECT_EQ(tasks[2]->id(), "b");
  EXPECT_TRUE(s.tasks_of("app_nope").empty());
}

TEST(cluster_state, snapshot_restore_round_trip) {
  auto s = deployed();
  s.apply(entry_builder(3).put_node(node("w1")).assign("t1", "w1"));
  cluster_state copy;
  copy.restore(s.snapshot());
  EXPECT_EQ(copy.index(), 3u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(copy.snapshot(),
                                                                s.snapshot()));
  cluster_state other = deployed();
  other.restore(pb::ClusterSnapshot{});
  EXPECT_TRUE(other.tasks().empty());
  EXPECT_TRUE(other.services().empty());
}

TEST(cluster_state, state_names_and_terminal_states) {
  EXPECT_EQ(state_name(pb::RUNNING), "running");
  EXPECT_EQ(state_name(pb::PENDING), "pending");
  EXPECT_FALSE(is_terminal(pb::RUNNING));
  EXPECT_FALSE(is_terminal(pb::STARTING));
  for (auto st : {pb::COMPLETE, pb::FAILED, pb::SHUTDOWN, pb::REJECTED, pb::ORPHANED})
    EXPECT_TRUE(is_terminal(st)) << state_name(st);
}

TEST(cluster_state, a_status_with_an_unknown_state_is_skipped) {
  auto s = deployed();
  s.apply(entry_builder(3).assign("t1", "w1"));
  auto touched = s.apply(entry_builder(4).status("t1", static_cast<pb::TaskState>(42), 5));
  EXPECT_TRUE(touched.empty());
  EXPECT_EQ(s.find_task("t1")->state(), pb::ASSIGNED);
  EXPECT_EQ(s.find_task("t1")->pid(), 0);
}

TEST(cluster_state, node_down_orphans_its_live_tasks_only) {
  cluster_state s;
  s.apply(entry_builder(1)
            .put_node(node("w1"))
            .put_node(node("w2"))
            .deploy(stack_spec("demo", {service_spec("demo", "web", 3)})));
  s.apply(entry_builder(2)
            .create("demo_web.1.a", "demo_web", 1)
            .create("demo_web.2.b", "demo_web", 2)
            .create("demo_web.3.c", "demo_web", 3)
            .assign("demo_web.1.a", "w1")
            .assign("demo_web.2.b", "w2")
            .status("demo_web.1.a", pb::RUNNING, 42));
  s.apply(entry_builder(3).node_status("w1", "down", ""));
  EXPECT_EQ(s.find_task("demo_web.1.a")->state(), pb::ORPHANED);
  EXPECT_EQ(s.find_task("demo_web.1.a")->message(), "node w1 is down");
  // Issue 10 item 15: `service ps` tells it is not wanted any more and
  // shows no pid of a process the manager cannot vouch for.
  EXPECT_EQ(s.find_task("demo_web.1.a")->desired_state(), pb::SHUTDOWN);
  EXPECT_EQ(s.find_task("demo_web.1.a")->pid(), 0);
  EXPECT_EQ(s.find_task("demo_web.2.b")->state(), pb::ASSIGNED);
  EXPECT_EQ(s.find_task("demo_web.2.b")->desired_state(), pb::RUNNING);
  EXPECT_EQ(s.find_task("demo_web.3.c")->state(), pb::PENDING);
}

// Issue 10 item 12: a node's mesh could not open a published port: the
// service keeps the reason per node and port until that node opens it.
TEST(cluster_state, port_status_records_and_clears_a_nodes_port_error) {
  cluster_state s;
  s.apply(entry_builder(1).deploy(stack_spec("demo", {service_spec("demo", "web", 1)})));
  auto port = [](const std::string& node, const std::string& error) {
    pb::Change c;
    auto* p = c.mutable_port_status();
    p->set_node(node);
    p->set_service("demo_web");
    p->set_port_name("http");
    p->set_published(8080);
    p->set_error(error);
    return c;
  };
  auto touched = s.apply(entry_builder(2).change(port("n1", "Address already in use"))
                           .change(port("n2", "")));
  EXPECT_EQ(touched.services.count("demo_web"), 1u);
  auto* svc = s.find_service("demo_web");
  ASSERT_EQ(svc->port_errors_size(), 1);
  EXPECT_EQ(svc->port_errors(0).node(), "n1");
  EXPECT_EQ(svc->port_errors(0).error(), "Address already in use");
  EXPECT_TRUE(s.apply(entry_builder(3).change(port("n1", "Address already in use")))
                .empty()) << "the same report changes nothing";
  s.apply(entry_builder(4).change(port("n1", "")));
  EXPECT_EQ(s.find_service("demo_web")->port_errors_size(), 0);
  pb::Change unknown = port("n1", "x");
  unknown.mutable_port_status()->set_service("nope");
  EXPECT_TRUE(s.apply(entry_builder(5).change(unknown)).empty());
}
