// The manager side: store, service, scheduler and dispatcher together, with
// a recording agent joined as node n1. Deploys, placements, assignments,
// status reports, scaling, resource shortages and lost workers.
#include <memory>
#include <set>

#include "actors/manager/core/state_db.hpp"
#include "actors/manager/dispatcher.hpp"
#include "actors/manager/scheduler.hpp"
#include "actors/manager/service.hpp"
#include "actors/manager/store.hpp"
#include "actors/network/core/route_table.hpp"
#include "tests/unit/actors/actor_fixture.hpp"

namespace troupe::test {
namespace {

using std::chrono::milliseconds;

constexpr int64_t heartbeat_ms = 3600 * 1000;  // out of the way of these tests
constexpr auto status_window = milliseconds(20);  // the dispatcher's batching

class manager_test : public actor_fixture {
protected:
  manager_test() {
    std::string err;
    std::shared_ptr<state_db> db = state_db::open(dir_.path() + "/state.db", &err);
    EXPECT_TRUE(db != nullptr) << err;
    store_ = spawn_store(db, dir_.path());
    auto sched_actor = spawn(scheduler, store_);
    dispatcher_ = spawn(dispatcher, store_, heartbeat_ms, uint32_t{3}, std::string{});
    self->send(store_, atom::subscribe_v, caf::actor_cast<listener_actor>(sched_actor));
    self->send(store_, atom::subscribe_v, caf::actor_cast<change_listener_actor>(dispatcher_));
    log_ = std::make_shared<agent_log>();
    agent_ = spawn(test_agent, log_);
    run();
  }

  /// n1 joins the dispatcher through the test agent.
  void join(const pb::Node& node) {
    EXPECT_TRUE(ask<bool>(dispatcher_, atom::join_v, node, agent_));
  }

  /// Deploys one service and starts its service actor (as the node would).
  void deploy(const pb::ServiceSpec& svc) {
    pb::Entry e;
    auto stack = e.add_changes()->mutable_deploy_stack();
    stack->set_name(svc.stack());
    *stack->add_services() = svc;
    propose(store_, e);
    auto actor = spawn(service, svc.name(), store_);
    self->send(store_, atom::subscribe_v, caf::actor_cast<listener_actor>(actor),
               svc.name());
    run();
  }

  std::vector<pb::Task> tasks() {
    auto snap = snapshot_of(store_);
    return {snap.tasks().begin(), snap.tasks().end()};
  }

  /// The node's tasks as the assignments sent so far add up to.
  pb::Assignments last_assignments() {
    pb::Assignments out;
    if (!log_->assignments.empty())
      out.set_node(log_->assignments.back().node());
    for (const auto& [id, t] : log_->assigned)
      *out.add_tasks() = t;
    return out;
  }

  void report(const std::vector<pb::Task>& ts, pb::TaskState state) {
    pb::StatusReport r;
    r.set_node("n1");
    for (const auto& t : ts) {
      auto s = r.add_statuses();
      s->set_task_id(t.id());
      s->set_state(state);
      s->set_pid(1000 + static_cast<int>(t.slot()));
    }
    self->send(dispatcher_, atom::status_v, r);
    run();
  }

  temp_dir dir_;
  store_actor store_;
  dispatcher_actor dispatcher_;
  std::shared_ptr<agent_log> log_;
  agent_actor agent_;
};

TEST_F(manager_test, join_registers_the_node_as_ready) {
  join(node_record("n1", 4, int64_t{1} << 30));
  auto snap = snapshot_of(store_);
  ASSERT_EQ(snap.nodes_size(), 1);
  EXPECT_EQ(snap.nodes(0).name(), "n1");
  EXPECT_EQ(snap.nodes(0).state(), "ready");
}

TEST_F(manager_test, deploy_creates_tasks_and_assigns_them_to_the_node) {
  join(node_record("n1", 4, int64_t{1} << 30));
  deploy(service_spec("demo", "web", 3));
  auto ts = tasks();
  ASSERT_EQ(ts.size(), 3u);
  std::set<uint32_t> slots, ports;
  for (const auto& t : ts) {
    EXPECT_EQ(t.service(), "demo_web");
    EXPECT_EQ(t.node(), "n1") << t.message();
    EXPECT_EQ(t.state(), pb::ASSIGNED);
    EXPECT_EQ(t.desired_state(), pb::RUNNING);
    ASSERT_EQ(t.host_ports().count("http"), 1u);
    auto port = t.host_ports().at("http");
    EXPECT_GE(port, 30000u);
    EXPECT_LE(port, 30009u);
    slots.insert(t.slot());
    ports.insert(port);
  }
  EXPECT_EQ(slots, (std::set<uint32_t>{1, 2, 3}));
  EXPECT_EQ(ports.size(), 3u) << "host ports must differ on one node";
  // The agent was told of exactly these tasks.
  auto a = last_assignments();
  EXPECT_EQ(a.node(), "n1");
  std::set<std::string> sent, stored;
  for (const auto& t : a.tasks()) {
    sent.insert(t.id());
    EXPECT_EQ(t.desired_state(), pb::RUNNING);
    EXPECT_EQ(t.host_ports().count("http"), 1u);
  }
  for (const auto& t : ts)
    stored.insert(t.id());
  EXPECT_EQ(sent, stored);
}

TEST_F(manager_test, worker_statuses_reach_the_store_in_one_batch) {
  join(node_record("n1"));
  deploy(service_spec("demo", "web", 2));
  auto ts = tasks();
  ASSERT_EQ(ts.size(), 2u);
  report(ts, pb::STARTING);
  report(ts, pb::RUNNING);
  auto before = snapshot_of(store_).index();
  for (const auto& t : tasks())
    EXPECT_EQ(t.state(), pb::ASSIGNED) << "proposed before the batch window";
  advance(status_window);
  auto snap = snapshot_of(store_);
  EXPECT_EQ(snap.index(), before + 1) << "one entry for the whole batch";
  for (const auto& t : snap.tasks()) {
    EXPECT_EQ(t.state(), pb::RUNNING);
    EXPECT_EQ(t.pid(), 1000 + static_cast<int>(t.slot()));
  }
}

TEST_F(manager_test, scaling_down_sends_shutdown_for_the_extra_tasks) {
  join(node_record("n1"));
  deploy(service_spec("demo", "web", 3));
  report(tasks(), pb::RUNNING);
  advance(status_window);
  pb::Entry e;
  auto scale = e.add_changes()->mutable_scale_service();
  scale->set_service("demo_web");
  scale->set_replicas(1);
  propose(store_, e);
  run();
  std::map<uint32_t, pb::TaskState> desired;
  auto now = last_assignments();
  for (const auto& t : now.tasks())
    desired[t.slot()] = t.desired_state();
  EXPECT_EQ(desired, (std::map<uint32_t, pb::TaskState>{
                       {1, pb::RUNNING}, {2, pb::SHUTDOWN}, {3, pb::SHUTDOWN}}));
}

struct fit_case {
  std::string name;
  double node_cpus;
  int64_t node_memory;
  double task_cpus;
  int64_t task_memory;
  std::string reason;  // "" = placed
};

class fit_test : public manager_test,
                 public ::testing::WithParamInterface<fit_case> {};

TEST_P(fit_test, tasks_that_do_not_fit_stay_pending_with_the_reason) {
  const auto& c = GetParam();
  join(node_record("n1", c.node_cpus, c.node_memory));
  auto svc = service_spec("demo", "web", 1);
  svc.mutable_resources()->set_cpus(c.task_cpus);
  svc.mutable_resources()->set_memory_bytes(c.task_memory);
  deploy(svc);
  auto ts = tasks();
  ASSERT_EQ(ts.size(), 1u);
  if (c.reason.empty()) {
    EXPECT_EQ(ts[0].node(), "n1") << ts[0].message();
    EXPECT_EQ(ts[0].state(), pb::ASSIGNED);
    return;
  }
  EXPECT_EQ(ts[0].node(), "");
  EXPECT_EQ(ts[0].state(), pb::PENDING);
  EXPECT_NE(ts[0].message().find(c.reason), std::string::npos) << ts[0].message();
  EXPECT_EQ(last_assignments().tasks_size(), 0);
}

constexpr int64_t mib = int64_t{1} << 20;

INSTANTIATE_TEST_SUITE_P(
  resources, fit_test,
  ::testing::Values(
    fit_case{"fits", 2, 512 * mib, 1, 256 * mib, ""},
    fit_case{"memory", 2, 256 * mib, 1, 512 * mib, "lacks memory"},
    fit_case{"cpus", 1, 512 * mib, 2, 256 * mib, "lacks cpus"}),
  [](const auto& info) { return info.param.name; });

// Issue 11: an agent that goes away (killed, restarting) leaves its tasks
// running under their shims: its node is not marked down (nor its tasks
// moved) at once, only if it misses its heartbeats; it joins again.
TEST_F(manager_test, a_node_whose_agent_dies_is_not_marked_down_at_once) {
  join(node_record("n1"));
  deploy(service_spec("demo", "web", 2));
  caf::anon_send_exit(agent_, caf::exit_reason::kill);
  run();
  auto snap = snapshot_of(store_);
  ASSERT_EQ(snap.nodes_size(), 1);
  EXPECT_EQ(snap.nodes(0).state(), "ready");
  for (const auto& t : tasks()) {
    EXPECT_EQ(t.node(), "n1");
    EXPECT_EQ(t.state(), pb::ASSIGNED) << t.message();
  }
}

TEST_F(manager_test, a_rejoining_node_gets_its_assignments_again) {
  join(node_record("n1"));
  deploy(service_spec("demo", "web", 2));
  auto sent = log_->assignments.size();
  ASSERT_GT(sent, 0u);
  join(node_record("n1"));
  ASSERT_EQ(log_->assignments.size(), sent + 1);
  EXPECT_TRUE(log_->assignments.back().full());
  EXPECT_EQ(log_->assignments.back().tasks_size(), 2);
}

// Issue 9: the dispatcher sends a worker only what changed on it.
TEST_F(manager_test, a_status_change_on_a_crowded_node_sends_only_that_task) {
  join(node_record("n1"));
  auto spec = service_spec("demo", "web", 300);
  spec.clear_ports();  // 300 tasks fit on one node
  deploy(spec);
  auto ts = tasks();
  ASSERT_EQ(ts.size(), 300u);
  ASSERT_EQ(log_->assigned.size(), 300u);
  report(ts, pb::RUNNING);
  advance(status_window);
  auto sent = log_->assignments.size();
  report({ts[5]}, pb::FAILED);
  advance(status_window);
  ASSERT_GT(log_->assignments.size(), sent);
  int tasks_sent = 0;
  std::set<std::string> removed;
  for (size_t i = sent; i < log_->assignments.size(); ++i) {
    const auto& a = log_->assignments[i];
    EXPECT_FALSE(a.full());
    EXPECT_EQ(a.base_index(), log_->assignments[i - 1].index());
    tasks_sent += a.tasks_size();
    removed.insert(a.removed().begin(), a.removed().end());
  }
  EXPECT_EQ(removed, (std::set<std::string>{ts[5].id()}));
  EXPECT_LE(tasks_sent, 1) << "at most its replacement, never the other 299";
  EXPECT_EQ(log_->assigned.count(ts[5].id()), 0u);
}

TEST_F(manager_test, a_worker_that_asks_for_a_resync_gets_everything_whole) {
  join(node_record("n1"));
  deploy(service_spec("demo", "web", 3));
  auto sent = log_->assignments.size();
  auto routes = log_->routes.size();
  pb::StatusReport r;
  r.set_node("n1");
  r.set_resync(true);
  self->send(dispatcher_, atom::status_v, r);
  run();
  ASSERT_EQ(log_->assignments.size(), sent + 1);
  EXPECT_TRUE(log_->assignments.back().full());
  EXPECT_EQ(log_->assignments.back().tasks_size(), 3);
  ASSERT_EQ(log_->routes.size(), routes + 1);
  EXPECT_TRUE(log_->routes.back().full());
  EXPECT_EQ(log_->routes.back().routes_size(), 1);  // demo_web's VIP
}

TEST_F(manager_test, routes_reach_the_worker_as_deltas_of_the_touched_service) {
  join(node_record("n1"));
  deploy(service_spec("demo", "web", 2));
  deploy(service_spec("other", "api", 1));
  auto ts = tasks();
  report(ts, pb::RUNNING);
  advance(status_window);
  std::vector<pb::Task> web;
  for (const auto& t : ts)
    if (t.service() == "demo_web")
      web.push_back(t);
  auto before = log_->routes.size();
  pb::StatusReport r;  // one web task turns unhealthy
  r.set_node("n1");
  auto* s = r.add_statuses();
  s->set_task_id(web[0].id());
  s->set_state(pb::RUNNING);
  s->set_pid(1000 + static_cast<int>(web[0].slot()));
  s->set_health("unhealthy");
  self->send(dispatcher_, atom::status_v, r);
  run();
  advance(status_window);
  ASSERT_EQ(log_->routes.size(), before + 1);
  const auto& d = log_->routes.back();
  EXPECT_FALSE(d.full());
  EXPECT_EQ(std::vector<std::string>(d.services().begin(), d.services().end()),
            std::vector<std::string>{"demo_web"});
  ASSERT_EQ(d.routes_size(), 1);
  EXPECT_EQ(d.routes(0).endpoints_size(), 1);
  // Whole first, then deltas chained on each other: they add up to the
  // table computed from the whole state.
  ASSERT_TRUE(log_->routes.front().full());
  pb::RouteTable held;
  for (size_t i = 0; i < log_->routes.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(log_->routes[i].base_index(), log_->routes[i - 1].index());
    }
    network::apply_route_update(held, log_->routes[i]);
  }
  cluster_state state;
  state.restore(snapshot_of(store_));
  EXPECT_EQ(network::fingerprint(held),
            network::fingerprint(network::routes_from(state)));
}

// Issue 10 item 9: a standalone node's own worker (its agent lives in the
// dispatcher's process) is never declared down, however late it is heard.
TEST_F(manager_test, the_in_process_worker_is_never_marked_down) {
  auto fast = spawn(dispatcher, store_, int64_t{100}, uint32_t{3}, std::string{"n1"});
  self->send(store_, atom::subscribe_v, caf::actor_cast<change_listener_actor>(fast));
  run();
  EXPECT_TRUE(ask<bool>(fast, atom::join_v, node_record("n1"), agent_));
  for (int i = 0; i < 20; ++i)
    advance(milliseconds(100));  // 2s without a heartbeat
  auto snap = snapshot_of(store_);
  ASSERT_EQ(snap.nodes_size(), 1);
  EXPECT_EQ(snap.nodes(0).state(), "ready");
}

// troupe sim: the other agents in the dispatcher's process (simulated
// workers) are watched like remote ones.
TEST_F(manager_test, another_in_process_worker_that_goes_silent_is_marked_down) {
  auto fast = spawn(dispatcher, store_, int64_t{100}, uint32_t{3}, std::string{"n1"});
  self->send(store_, atom::subscribe_v, caf::actor_cast<change_listener_actor>(fast));
  run();
  EXPECT_TRUE(ask<bool>(fast, atom::join_v, node_record("sim-w1"), agent_));
  for (int i = 0; i < 20; ++i)
    advance(milliseconds(100));  // 2s without a heartbeat
  auto snap = snapshot_of(store_);
  ASSERT_EQ(snap.nodes_size(), 1);
  EXPECT_EQ(snap.nodes(0).state(), "down");
}

} // namespace
} // namespace troupe::test
