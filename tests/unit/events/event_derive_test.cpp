// Events derived from committed entries (actors/observe/core/event_derive):
// each row applies a few setup entries, then one entry, and lists the events
// expected from it as "type action subject" strings, in order.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/observe/core/event_derive.hpp"

namespace troupe::observe {
namespace {

pb::ServiceSpec spec(const std::string& name, uint32_t replicas,
                     const std::string& cmd = "sleep 100") {
  pb::ServiceSpec s;
  s.set_name(name);
  s.set_replicas(replicas);
  s.add_command(cmd);
  return s;
}

pb::Change deploy(const std::string& stack, std::vector<pb::ServiceSpec> svcs) {
  pb::Change c;
  c.mutable_deploy_stack()->set_name(stack);
  for (auto& s : svcs)
    *c.mutable_deploy_stack()->add_services() = s;
  return c;
}

pb::Change create(const std::string& id, const std::string& svc, uint64_t v = 1) {
  pb::Change c;
  c.mutable_create_task()->set_id(id);
  c.mutable_create_task()->set_service(svc);
  c.mutable_create_task()->set_spec_version(v);
  return c;
}

pb::Change assign(const std::string& id, const std::string& node,
                  const std::string& msg = "") {
  pb::Change c;
  c.mutable_assign_task()->set_task_id(id);
  c.mutable_assign_task()->set_node(node);
  c.mutable_assign_task()->set_message(msg);
  return c;
}

pb::Change status(const std::string& id, pb::TaskState s, int pid = 0,
                  uint32_t restarts = 0, const std::string& msg = "") {
  pb::Change c;
  auto* st = c.mutable_task_status();
  st->set_task_id(id);
  st->set_state(s);
  st->set_pid(pid);
  st->set_restarts(restarts);
  st->set_message(msg);
  return c;
}

pb::Change put_node(const std::string& name) {
  pb::Change c;
  c.mutable_put_node()->set_name(name);
  c.mutable_put_node()->set_role("worker");
  return c;
}

pb::Change node_status(const std::string& name, const std::string& state,
                       const std::string& avail = "") {
  pb::Change c;
  c.mutable_node_status()->set_name(name);
  c.mutable_node_status()->set_state(state);
  c.mutable_node_status()->set_availability(avail);
  return c;
}

pb::Change scale(const std::string& svc, uint32_t n) {
  pb::Change c;
  c.mutable_scale_service()->set_service(svc);
  c.mutable_scale_service()->set_replicas(n);
  return c;
}

pb::Change remove_stack(const std::string& name) {
  pb::Change c;
  c.set_remove_stack(name);
  return c;
}

struct row {
  const char* name;
  std::vector<std::vector<pb::Change>> setup;
  std::vector<pb::Change> entry;
  std::vector<std::string> expected;
};

std::vector<std::string> run(event_source& src, const row& r, uint64_t* index,
                             std::vector<pb::Event>* raw = nullptr) {
  for (const auto& changes : r.setup) {
    pb::Entry e;
    e.set_index(++*index);
    e.set_timestamp(1000 * static_cast<int64_t>(*index));
    for (const auto& c : changes)
      *e.add_changes() = c;
    src.apply(e);
  }
  pb::Entry e;
  e.set_index(++*index);
  e.set_timestamp(1000 * static_cast<int64_t>(*index));
  for (const auto& c : r.entry)
    *e.add_changes() = c;
  auto events = src.apply(e);
  std::vector<std::string> out;
  for (const auto& ev : events) {
    EXPECT_EQ(ev.index(), e.index()) << r.name;
    EXPECT_EQ(ev.time(), e.timestamp()) << r.name;
    EXPECT_EQ(ev.seq(), 0u) << r.name;
    out.push_back(ev.type() + " " + ev.action() + " " + ev.subject());
  }
  if (raw)
    *raw = events;
  return out;
}

TEST(EventDerive, Table) {
  const auto web = [] { return spec("s_web", 2); };
  std::vector<row> rows = {
    {"deploy creates a stack and its services", {}, {deploy("s", {web()})},
     {"stack deployed s", "service created s_web"}},
    {"redeploy without change says nothing but the stack",
     {{deploy("s", {web()})}}, {deploy("s", {web()})}, {}},
    {"scale", {{deploy("s", {web()})}}, {scale("s_web", 5)},
     {"service scaled s_web"}},
    {"a new spec is an update",
     {{deploy("s", {web()})}}, {deploy("s", {spec("s_web", 2, "sleep 200")})},
     {"stack deployed s", "service updated s_web", "update started s_web"}},
    {"remove stack", {{deploy("s", {web()})}}, {remove_stack("s")},
     {"stack removed s", "service removed s_web"}},
    {"task created", {{deploy("s", {web()})}}, {create("s_web.1.a", "s_web")},
     {"task created s_web.1.a"}},
    {"task created and assigned at once",
     {{deploy("s", {web()}), put_node("n1")}},
     {create("s_web.1.a", "s_web"), assign("s_web.1.a", "n1")},
     {"task created s_web.1.a", "task assigned s_web.1.a"}},
    {"task cannot be placed",
     {{deploy("s", {web()})}, {create("s_web.1.a", "s_web")}},
     {assign("s_web.1.a", "", "no node has 4 cpus")},
     {"task unplaced s_web.1.a"}},
    {"task runs",
     {{deploy("s", {web()}), put_node("n1")}, {create("s_web.1.a", "s_web")},
      {assign("s_web.1.a", "n1")}},
     {status("s_web.1.a", pb::RUNNING, 42)}, {"task running s_web.1.a"}},
    {"restart in place",
     {{deploy("s", {web()}), put_node("n1")}, {create("s_web.1.a", "s_web")},
      {assign("s_web.1.a", "n1")}, {status("s_web.1.a", pb::RUNNING, 42)}},
     {status("s_web.1.a", pb::RUNNING, 0, 1, "exited with 137")},
     {"task restarted s_web.1.a"}},
    {"restarted container runs again",
     {{deploy("s", {web()}), put_node("n1")}, {create("s_web.1.a", "s_web")},
      {assign("s_web.1.a", "n1")}, {status("s_web.1.a", pb::RUNNING, 42)},
      {status("s_web.1.a", pb::RUNNING, 0, 1)}},
     {status("s_web.1.a", pb::RUNNING, 43, 1)}, {"task started s_web.1.a"}},
    {"task fails",
     {{deploy("s", {web()}), put_node("n1")}, {create("s_web.1.a", "s_web")},
      {assign("s_web.1.a", "n1")}, {status("s_web.1.a", pb::RUNNING, 42)}},
     {status("s_web.1.a", pb::FAILED, 0, 0, "exited with 1")},
     {"task failed s_web.1.a"}},
    {"node registers", {}, {put_node("n1")}, {"node registered n1"}},
    {"node re-registers unchanged", {{put_node("n1")}}, {put_node("n1")}, {}},
    {"node goes down and orphans its tasks",
     {{deploy("s", {web()}), put_node("n1")}, {create("s_web.1.a", "s_web")},
      {assign("s_web.1.a", "n1")}},
     {node_status("n1", "down")},
     {"node down n1", "task orphaned s_web.1.a"}},
    {"node comes back", {{put_node("n1")}, {node_status("n1", "down")}},
     {node_status("n1", "ready")}, {"node up n1"}},
    {"node drained", {{put_node("n1")}}, {node_status("n1", "", "drain")},
     {"node drain n1"}},
    {"an unknown task's status is nothing", {}, {status("x.1.a", pb::RUNNING, 1)},
     {}},
  };
  for (const auto& r : rows) {
    event_source src;
    uint64_t index = 0;
    EXPECT_EQ(run(src, r, &index), r.expected) << r.name;
  }
}

TEST(EventDerive, StateChangeCarriesOldAndNewState) {
  event_source src;
  uint64_t index = 0;
  row r{"", {{deploy("s", {spec("s_web", 1)}), put_node("n1")},
             {create("s_web.1.a", "s_web")}, {assign("s_web.1.a", "n1")}},
        {status("s_web.1.a", pb::STARTING, 7)}, {}};
  std::vector<pb::Event> events;
  run(src, r, &index, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].attributes().at("old_state"), "assigned");
  EXPECT_EQ(events[0].attributes().at("new_state"), "starting");
  EXPECT_EQ(events[0].node(), "n1");
  EXPECT_EQ(events[0].attributes().at("service"), "s_web");
}

TEST(EventDerive, UpdateCompletesWhenEveryTaskRunsTheNewSpec) {
  event_source src;
  uint64_t index = 0;
  row setup{"", {{deploy("s", {spec("s_web", 1)}), put_node("n1")},
                 {create("s_web.1.a", "s_web")}, {assign("s_web.1.a", "n1")},
                 {status("s_web.1.a", pb::RUNNING, 1)}},
            {deploy("s", {spec("s_web", 1, "sleep 5")})}, {}};
  auto started = run(src, setup, &index);
  ASSERT_EQ(started.back(), "update started s_web");
  row next{"", {{create("s_web.1.b", "s_web", 2)}, {assign("s_web.1.b", "n1")}},
           {status("s_web.1.b", pb::RUNNING, 2)}, {}};
  auto during = run(src, next, &index);
  // The old task still runs with desired RUNNING: not complete yet.
  EXPECT_EQ(during, std::vector<std::string>{"task running s_web.1.b"});
  pb::Change shut;
  shut.mutable_set_desired()->set_task_id("s_web.1.a");
  shut.mutable_set_desired()->set_desired_state(pb::SHUTDOWN);
  row last{"", {}, {shut}, {}};
  auto done = run(src, last, &index);
  EXPECT_EQ(done, (std::vector<std::string>{"task shutdown_requested s_web.1.a",
                                            "update completed s_web"}));
}

TEST(EventDerive, FormatIsOneLine) {
  pb::Event e;
  e.set_time(0);
  e.set_type("task");
  e.set_action("failed");
  e.set_subject("web.1.a");
  e.set_message("task web.1.a running -> failed");
  e.set_index(12);
  EXPECT_EQ(format_event(e), "1970-01-01T00:00:00.000Z task failed web.1.a: task "
                             "web.1.a running -> failed (index 12)");
}

} // namespace
} // namespace troupe::observe
