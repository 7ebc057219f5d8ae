// Multi-process cluster harness: three managers and two workers of one
// cluster config, each a real `troupe agent` process on loopback. The config
// is written per cluster with free ports (managers' cluster and API ports,
// the workers' host-port ranges), data dirs and logs in a temp dir and a join
// token. Processes are started, killed (-9) and restarted by node name; a
// client command goes to the API of the manager named. The destructor kills
// every process it started and every task process left under the temp dir,
// also when the test failed. No fixed sleeps: waits poll with wait_until().
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace troupe::itest {

class local_cluster {
public:
  /// Writes ROOT/cluster.toml for managers m1..mN and workers w1..wM.
  local_cluster(const std::string& root, int managers = 3, int workers = 2);
  ~local_cluster();
  local_cluster(const local_cluster&) = delete;
  local_cluster& operator=(const local_cluster&) = delete;

  /// Starts every manager, waits (30s) for one leader seen by all, then every
  /// worker, and waits (30s) until `node ls` shows each worker ready.
  bool start_all(std::string* error);
  /// Spawns node `name` (role from its name) with `config` (default the
  /// cluster's) and waits (30s) for its "is up" line; false if it exited.
  bool start(const std::string& name, std::string* error,
             const std::string& config = "");
  /// Spawns node `name` without waiting for anything.
  bool spawn(const std::string& name, const std::string& config = "");
  /// kill -9 and reap.
  void kill9(const std::string& name);
  /// SIGTERM (a graceful stop); wait_exit() reaps it.
  void terminate(const std::string& name);
  /// Waits up to timeout_ms for `name` to exit; true with *exit_code (-1 if
  /// signalled) when it did.
  bool wait_exit(const std::string& name, int timeout_ms, int* exit_code);
  bool alive(const std::string& name) const;

  /// `troupe ARGS... --host API(manager)`.
  run_result cli(const std::string& manager, std::vector<std::string> args,
                 int timeout_ms = 120000) const;
  /// The same with `--format json`, parsed; null when it fails (no test
  /// failure: callers poll).
  json cli_json(const std::string& manager, std::vector<std::string> args) const;
  /// `cluster status` as seen by `manager`, or null.
  json status(const std::string& manager) const { return cli_json(manager, {"cluster", "status"}); }
  /// The leader every manager in `asking` names (the same non-empty name from
  /// all), or "".
  std::string agreed_leader(const std::vector<std::string>& asking) const;
  /// Waits (timeout_ms) until the managers in `asking` agree on a leader
  /// other than `not_this` (a manager just killed: followers name it until
  /// their election timeout passes).
  std::string wait_leader(const std::vector<std::string>& asking, int timeout_ms,
                          const std::string& not_this = "") const;
  /// Nodes of `node ls` through `manager` whose state is "ready".
  std::set<std::string> ready_nodes(const std::string& manager) const;
  /// `service ls` entry of `service` through `manager`, or null.
  json service(const std::string& manager, const std::string& service) const;

  /// Writes `text` to ROOT/NAME and returns its path.
  std::string file(const std::string& name, const std::string& text) const;
  /// The cluster config text with another join token.
  std::string config_text(const std::string& join_token) const;

  const std::vector<std::string>& managers() const { return managers_; }
  const std::vector<std::string>& workers() const { return workers_; }
  std::vector<std::string> managers_except(const std::set<std::string>& names) const;
  std::string api(const std::string& manager) const { return api_.at(manager); }
  std::string data_dir(const std::string& name) const { return root_ + "/" + name; }
  /// The address node `name` serves published ports on (127.0.1.x for
  /// managers, 127.0.2.x for workers).
  std::string ingress(const std::string& name) const;
  std::string log(const std::string& name) const;
  const std::string& root() const { return root_; }
  const std::string& config_path() const { return config_path_; }
  std::string join_token() const { return token_; }
  /// The tail of every node's log, for failure messages.
  std::string logs_tail(size_t bytes_per_log = 4000) const;

private:
  std::string root_;
  std::string config_path_;
  std::string token_;
  std::vector<std::string> managers_;
  std::vector<std::string> workers_;
  std::map<std::string, std::string> api_;      // manager → host:port
  std::map<std::string, std::string> cluster_;  // manager → host:port
  std::map<std::string, int> pids_;
};

/// A fixture owning a temp dir and a (not yet started) cluster; prints every
/// node's log tail when a test fails; kills everything in TearDown.
class cluster_test : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;
  /// A stack with one shell-loop service tagged with `marker` in its argv.
  std::string loop_stack(const std::string& stack, int replicas,
                         const std::string& marker) const;

  temp_dir dir_;
  std::unique_ptr<local_cluster> cluster_;
};

/// The same with one manager and two workers (routing-mesh tests).
class small_cluster_test : public cluster_test {
protected:
  void SetUp() override;
};

} // namespace troupe::itest
