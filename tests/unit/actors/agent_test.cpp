// The worker agent against a recording dispatcher: assignment deltas that
// do not fit the list it holds make it ask for a resync, once until a whole
// list comes; deltas that fit do not.
#include <memory>

#include "actors/worker/agent.hpp"
#include "tests/unit/actors/actor_fixture.hpp"
#include "tests/unit/actors/fake_driver.hpp"

namespace troupe::test {
namespace {

/// A dispatcher that accepts the join and records status reports.
dispatcher_actor::behavior_type
recording_dispatcher(dispatcher_actor::pointer self,
                     std::shared_ptr<std::vector<pb::StatusReport>> reports) {
  return {
    [=](atom::committed, const pb::Entry&, const touched_keys&) {},
    [=](atom::join, const pb::Node&, const agent_actor&) { return true; },
    [=](atom::status, const pb::StatusReport& r) { reports->push_back(r); },
    [=](atom::logs, const pb::LogRequest&) { return pb::LogChunk{}; },
    [=](atom::exec, const pb::ExecRequest&) { return pb::ExecReply{}; },
    [=](atom::read, const pb::DiskRequest&) { return pb::DiskReport{}; },
    [=](atom::flush) {},
    [=](atom::heartbeat, const std::string&) { return true; },
    [=](atom::tick) {},
    [=](atom::leader, bool) {},
  };
}

/// A mesh that records the route tables the agent hands it.
mesh_actor::behavior_type
recording_mesh(mesh_actor::pointer self,
               std::shared_ptr<std::vector<pb::RouteTable>> tables) {
  return {
    [=](atom::committed, const pb::Entry&, const touched_keys&) {},
    [=](atom::route, const pb::RouteTable& t) { tables->push_back(t); },
  };
}

pb::RouteTable routes(bool full, uint64_t base, uint64_t index) {
  pb::RouteTable t;
  t.set_full(full);
  t.set_base_index(base);
  t.set_index(index);
  if (!full)
    t.add_services("demo_web");
  return t;
}

/// Tasks desired SHUTDOWN: the supervisor ends them without starting any
/// container (nothing runs on the blocking pool's threads).
pb::Assignments list(bool full, uint64_t base, uint64_t index,
                     std::initializer_list<std::string> ids,
                     std::initializer_list<std::string> removed = {}) {
  pb::Assignments a;
  a.set_node("n1");
  a.set_full(full);
  a.set_base_index(base);
  a.set_index(index);
  for (const auto& id : ids) {
    auto* t = a.add_tasks();
    t->set_id(id);
    t->set_service("demo_web");
    t->set_node("n1");
    t->set_state(pb::ASSIGNED);
    t->set_desired_state(pb::SHUTDOWN);
  }
  for (const auto& id : removed)
    a.add_removed(id);
  return a;
}

class agent_test : public actor_fixture {
protected:
  agent_test() {
    reports_ = std::make_shared<std::vector<pb::StatusReport>>();
    dispatcher_ = spawn(recording_dispatcher, reports_);
    upstream_config up;
    up.local = dispatcher_;
    up.heartbeat_ms = 3600 * 1000;
    agent_ = spawn(agent, node_record("n1"), up,
                   std::map<std::string, std::shared_ptr<driver>>{
                     {"process", std::make_shared<fake_driver>()}},
                   dir_.path(), std::string{},  // no images dir
                   std::shared_ptr<blocking_pool>{});
    run();
  }

  int resyncs() const {
    int n = 0;
    for (const auto& r : *reports_)
      n += r.resync();
    return n;
  }

  temp_dir dir_;
  std::shared_ptr<std::vector<pb::StatusReport>> reports_;
  dispatcher_actor dispatcher_;
  agent_actor agent_;
};

TEST_F(agent_test, a_delta_before_any_whole_list_asks_for_one_resync) {
  self->send(agent_, atom::assign_v, list(false, 4, 5, {"demo_web.1.a"}));
  run();
  EXPECT_EQ(resyncs(), 1);
  self->send(agent_, atom::assign_v, list(false, 5, 6, {"demo_web.2.a"}));
  run();
  EXPECT_EQ(resyncs(), 1) << "asked once, until a whole list comes";
}

TEST_F(agent_test, deltas_that_fit_are_applied_and_one_that_does_not_asks_again) {
  self->send(agent_, atom::assign_v, list(true, 0, 7, {"demo_web.1.a"}));
  self->send(agent_, atom::assign_v, list(false, 7, 9, {"demo_web.2.a"}, {"demo_web.1.a"}));
  run();
  EXPECT_EQ(resyncs(), 0);
  self->send(agent_, atom::assign_v, list(false, 8, 10, {"demo_web.3.a"}));  // 9 was lost
  run();
  EXPECT_EQ(resyncs(), 1);
  ASSERT_FALSE(reports_->empty());
  EXPECT_EQ(reports_->back().node(), "n1");
}

TEST_F(agent_test, route_deltas_reach_the_mesh_only_when_they_fit) {
  auto tables = std::make_shared<std::vector<pb::RouteTable>>();
  self->send(agent_, atom::route_v, spawn(recording_mesh, tables));
  run();
  EXPECT_EQ(resyncs(), 1) << "a mesh wired after the join asks for the table";
  // The dispatcher's answer: everything whole, then deltas.
  self->send(agent_, atom::route_v, routes(true, 0, 7));
  self->send(agent_, atom::assign_v, list(true, 0, 7, {}));
  self->send(agent_, atom::route_v, routes(false, 7, 9));
  run();
  ASSERT_EQ(tables->size(), 2u);
  EXPECT_EQ(resyncs(), 1);
  self->send(agent_, atom::route_v, routes(false, 8, 10));  // 9 is not 8
  run();
  EXPECT_EQ(tables->size(), 2u) << "a delta that does not fit is not served";
  EXPECT_EQ(resyncs(), 2);
}

} // namespace
} // namespace troupe::test
