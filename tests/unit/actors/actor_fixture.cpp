#include "tests/unit/actors/actor_fixture.hpp"

#include "actors/manager/raft_actor.hpp"
#include "actors/manager/store.hpp"

#include <cstdlib>

#include <caf/exit_reason.hpp>

namespace troupe::test {

namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.add_message_types<caf::id_block::troupe>();
  cfg.add_message_types<caf::id_block::troupe_actors>();
  return cfg;
}

} // namespace

std::vector<pb::TaskStatus> agent_log::of(const std::string& task_id) const {
  std::vector<pb::TaskStatus> out;
  for (const auto& s : statuses)
    if (s.task_id() == task_id)
      out.push_back(s);
  return out;
}

std::vector<pb::TaskState>
agent_log::states_of(const std::string& task_id) const {
  std::vector<pb::TaskState> out;
  for (const auto& s : of(task_id))
    out.push_back(s.state());
  return out;
}

agent_actor::behavior_type test_agent(agent_actor::pointer self,
                                      std::shared_ptr<agent_log> log) {
  return {
    [=](atom::assign, const pb::Assignments& a) {
      log->assignments.push_back(a);
      if (a.full())
        log->assigned.clear();
      for (const auto& id : a.removed())
        log->assigned.erase(id);
      for (const auto& t : a.tasks())
        log->assigned[t.id()] = t;
    },
    [=](atom::logs, const pb::LogRequest&) { return pb::LogChunk{}; },
    [=](atom::read, const pb::DiskRequest&) { return pb::DiskReport{}; },
    [=](atom::exec, const pb::ExecRequest&) { return pb::ExecReply{}; },
    [=](atom::status, const pb::TaskStatus& s) { log->statuses.push_back(s); },
    [=](atom::status, const pb::PortStatus& p) { log->ports.push_back(p); },
    [=](atom::shutdown) { return true; },
    [=](atom::join) {},
    [=](atom::heartbeat) {},
    [=](atom::route, const pb::RouteTable& r) { log->routes.push_back(r); },
    [=](atom::route, const mesh_actor&) {},
    [=](atom::pause, bool) {},
  };
}

listener_actor::behavior_type
test_listener(listener_actor::pointer self,
              std::shared_ptr<std::vector<pb::Entry>> log) {
  return {
    [=](atom::committed, const pb::Entry& e) { log->push_back(e); },
  };
}

temp_dir::temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "troupe-actors-XXXXXX";
  std::string pattern = base.string();
  if (::mkdtemp(pattern.data()) == nullptr)
    ADD_FAILURE() << "cannot create a temp dir under " << base;
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

pb::ServiceSpec service_spec(const std::string& stack, const std::string& name,
                             uint32_t replicas) {
  pb::ServiceSpec s;
  s.set_name(stack + "_" + name);
  s.set_stack(stack);
  s.set_short_name(name);
  s.set_driver("process");
  s.add_command("server");
  s.add_command("--port=${TROUPE_PORT_HTTP}");
  s.set_mode("replicated");
  s.set_replicas(replicas);
  s.set_stop_grace_period_ms(5000);
  auto port = s.add_ports();
  port->set_name("http");
  port->set_target(8080);
  port->set_protocol("tcp");
  s.mutable_restart()->set_condition("any");
  s.mutable_restart()->set_delay_ms(1000);
  s.mutable_restart()->set_max_delay_ms(30000);
  s.mutable_update()->set_parallelism(1);
  return s;
}

pb::Node node_record(const std::string& name, double cpus,
                     int64_t memory_bytes) {
  pb::Node n;
  n.set_name(name);
  n.set_role("worker");
  n.set_availability("active");
  n.set_address("127.0.0.1");
  n.set_cpus(cpus);
  n.set_memory_bytes(memory_bytes);
  n.set_port_min(30000);
  n.set_port_max(30009);
  n.set_drivers("process");
  return n;
}

pb::Task task_on(const pb::ServiceSpec& spec, uint32_t slot,
                 const std::string& node) {
  pb::Task t;
  t.set_id(spec.name() + "." + std::to_string(slot) + ".abcdefghij");
  t.set_service(spec.name());
  t.set_slot(slot);
  t.set_node(node);
  t.set_spec_version(1);
  *t.mutable_spec() = spec;
  t.set_desired_state(pb::RUNNING);
  t.set_state(pb::ASSIGNED);
  (*t.mutable_host_ports())["http"] = 30000 + slot;
  return t;
}

actor_fixture::actor_fixture()
  : sys(configure(cfg)),
    sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
    self(sys, true) {
  // As CAF's own fixture does: the simulated clock does not start at zero.
  sched.clock().current_time += std::chrono::hours(1);
}

actor_fixture::~actor_fixture() {
  // Stop every actor (their children are linked and follow), then drain
  // what is left so that the system can shut down: the coordinator's stop
  // would otherwise fire poll timers forever.
  for (auto& a : spawned_)
    caf::anon_send_exit(a, caf::exit_reason::kill);
  spawned_.clear();
  sched.run();
  for (int i = 0; i < 100 && sched.has_pending_timeout(); ++i) {
    sched.trigger_timeouts();
    sched.run();
  }
}

store_actor actor_fixture::spawn_store(std::shared_ptr<state_db> db,
                                      const std::string& dir) {
  raft_setup setup;
  setup.id = "m1";
  pb::ManagerConfig me;
  me.set_name("m1");
  setup.managers.push_back(me);
  std::string err;
  setup.storage = raft::raft_log_db::open(dir + "/raft.db", &err);
  EXPECT_TRUE(setup.storage != nullptr) << err;
  EXPECT_TRUE(db->applied_index(&setup.applied, &err)) << err;
  setup.threaded_writes = false; // the test coordinator sees every message
  store_options options;
  options.detached_checkpoint = false;  // on the test's thread too
  auto st = spawn(store, std::move(db), options);
  auto member = spawn(raft_member, std::move(setup),
                      caf::actor_cast<applier_actor>(st), node_actor{});
  self->send(st, atom::raft_v, member);
  run();
  return st;
}

} // namespace troupe::test
