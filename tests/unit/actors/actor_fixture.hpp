// A GoogleTest fixture on CAF's deterministic test coordinator, plus the
// test doubles the actor tests share: a recording agent, a recording
// listener, a temp folder, and builders for specs, tasks and nodes.
// Everything runs on the test's thread: messages move only when the test
// calls run() or advances the simulated clock.
#pragma once

#include "actors/manager/core/state_db.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <gtest/gtest.h>

#include "actors/interfaces.hpp"

namespace troupe::test {

/// What a test agent received.
struct agent_log {
  std::vector<pb::TaskStatus> statuses;
  std::vector<pb::Assignments> assignments;  // as received: whole or deltas
  std::map<std::string, pb::Task> assigned;  // what they add up to, by task id
  std::vector<pb::RouteTable> routes;        // as received: whole or deltas
  std::vector<pb::PortStatus> ports;

  /// Statuses of one task, in arrival order.
  std::vector<pb::TaskStatus> of(const std::string& task_id) const;
  /// States of one task, in arrival order.
  std::vector<pb::TaskState> states_of(const std::string& task_id) const;
};

/// An agent_actor that records statuses and assignments and answers the rest.
agent_actor::behavior_type test_agent(agent_actor::pointer self,
                                      std::shared_ptr<agent_log> log);

/// A listener_actor that records every committed entry.
listener_actor::behavior_type
test_listener(listener_actor::pointer self,
              std::shared_ptr<std::vector<pb::Entry>> log);

/// A fresh folder under the system temp dir, removed with the object.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

// -- builders ----------------------------------------------------------------

/// A replicated "process" service STACK_NAME with one named port "http".
pb::ServiceSpec service_spec(const std::string& stack, const std::string& name,
                             uint32_t replicas);

/// A node that runs the process driver, ports 30000-30009.
pb::Node node_record(const std::string& name, double cpus = 0,
                     int64_t memory_bytes = 0);

/// A task of `spec` at `slot` placed on `node`, desired RUNNING.
pb::Task task_on(const pb::ServiceSpec& spec, uint32_t slot,
                 const std::string& node);

// -- the fixture -------------------------------------------------------------

class actor_fixture : public ::testing::Test {
protected:
  actor_fixture();
  ~actor_fixture() override;

  /// Spawns an actor the fixture kills at teardown.
  template <class... Ts>
  auto spawn(Ts&&... xs) {
    auto hdl = sys.spawn(std::forward<Ts>(xs)...);
    spawned_.push_back(caf::actor_cast<caf::actor>(hdl));
    return hdl;
  }

  /// Runs every job until no actor has a message left.
  void run() { sched.run(); }

  /// Moves the simulated clock forward, fires what fell due, and runs.
  void advance(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }

  /// A reply in self's mailbox right now, if one arrived (no waiting).
  template <class T>
  bool take(T& out) {
    bool got = false;
    self->receive([&](T& x) { out = std::move(x); got = true; },
                  [&](caf::error& err) { ADD_FAILURE() << to_string(err); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return got;
  }

  /// Sends `xs` to `dest` from self, runs, and returns the reply of type T.
  template <class T, class Handle, class... Ts>
  T ask(const Handle& dest, Ts&&... xs) {
    self->send(dest, std::forward<Ts>(xs)...);
    run();
    T out;
    EXPECT_TRUE(take(out)) << "no reply";
    return out;
  }

  pb::ClusterSnapshot snapshot_of(const store_actor& store) {
    return ask<state_view>(store, atom::snapshot_v).snapshot();
  }

  /// A store over `db` whose proposals go through a one-member raft group
  /// (log in `dir`/raft.db), as on a standalone node.
  store_actor spawn_store(std::shared_ptr<state_db> db, const std::string& dir);

  uint64_t propose(const store_actor& store, const pb::Entry& entry) {
    return ask<uint64_t>(store, atom::propose_v, entry);
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;

private:
  std::vector<caf::actor> spawned_;
};

} // namespace troupe::test
