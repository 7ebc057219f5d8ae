// Integration test harness: runs the real `troupe` binary as separate
// processes. An `agent` is one standalone node with its own temp data dir,
// a free API port and a free host-port range (written into a cluster config);
// `cli()` runs one client command against it and captures stdout, stderr and
// the exit code. Everything a test starts is stopped and removed by RAII,
// also when the test fails; the agent's output is kept in a log file that the
// fixture prints when a test fails. No fixed sleeps: wait_until() polls.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace troupe::itest {

using nlohmann::json;

struct run_result {
  int exit_code = -1;      // -1 when killed or not started
  bool timed_out = false;
  std::string out;
  std::string err;
  /// "exit N; stdout: ...; stderr: ..." for assertion messages.
  std::string describe() const;
};

/// A fresh folder under /tmp, removed (recursively) on destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// A TCP port on 127.0.0.1 that is free now, below the ephemeral range;
/// a process is never given the same one twice in a row of 2,000.
int free_port();

/// `count` consecutive ports that are all bindable now; first in *lo.
bool free_port_range(int count, int* lo);

/// Runs argv with stdout/stderr captured through files in `scratch_dir`;
/// kills it after timeout_ms (SIGKILL) and reports timed_out.
run_result run_command(const std::vector<std::string>& argv,
                       const std::string& scratch_dir, int timeout_ms = 60000);

/// Polls `predicate` every poll_ms until it holds or timeout_ms passes.
bool wait_until(const std::function<bool()>& predicate, int timeout_ms,
                int poll_ms = 100);

void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

/// kill(pid, 0) succeeds and the process is not a zombie.
bool process_alive(int pid);

/// Live processes (not this one) whose argv, joined with spaces, contains
/// `text` (as `pgrep -f`); tasks' shims (whose argv holds their task's) only
/// with with_shims.
std::set<int> processes_with(const std::string& text, bool with_shims = false);

/// Starts argv (argv[0] a path) with stdin from `stdin_path` (opened
/// read-write, so a FIFO neither blocks the start nor reaches its end) and
/// stdout and stderr appended to `log_path`; its pid, or 0 if it could not start.
int spawn_logged(const std::vector<std::string>& argv, const std::string& log_path,
                 const std::string& stdin_path = "/dev/null");

/// Pids of live processes whose working directory lies under `dir` (the
/// process driver runs each task in its own folder in the data dir), the
/// tasks' shims (`troupe-shim`, `troupe shim`) left out unless with_shims.
std::vector<int> processes_under(const std::string& dir, bool with_shims = false);

/// Ids from `runc list -q` that belong to stack `stack` (their names start
/// with "STACK_"); `scratch` is the folder runc runs in.
std::set<std::string> runc_containers_of(const std::string& stack,
                                         const std::string& scratch);

/// True when the process is a task's shim.
bool is_shim(int pid);

/// Milliseconds on a monotonic clock.
int64_t now_ms();

/// One standalone `troupe agent` process.
class agent {
public:
  /// Prepares (does not start) a node whose files live under `root`:
  /// root/data, root/cluster.toml, root/agent.log. `images_dir` is written
  /// into the config when not empty.
  explicit agent(const std::string& root, const std::string& images_dir = "");
  ~agent();
  agent(const agent&) = delete;
  agent& operator=(const agent&) = delete;

  /// Spawns the agent (with `extra` arguments) and waits (30s) until its API
  /// answers `node ls`.
  bool start(std::string* error, const std::vector<std::string>& extra = {});
  /// The `troupe` binary the next start() runs (default TROUPE_BINARY).
  void set_binary(const std::string& path) { binary_ = path; }
  /// SIGTERM, then waits up to timeout_ms for the exit; on timeout SIGKILLs
  /// and returns false. *exit_code gets the exit status (-1 if signalled).
  bool stop(int* exit_code, int timeout_ms = 30000);
  /// SIGKILL (a crash: nothing is flushed), then reaps the process.
  void crash();
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }
  const std::string& config_path() const { return config_path_; }

  /// `troupe ARGS... --host HOST`.
  run_result cli(std::vector<std::string> args, int timeout_ms = 120000) const;
  /// `troupe ARGS... --format json --host HOST`, parsed; null (and a test
  /// failure) when the command fails or prints no JSON.
  json cli_json(std::vector<std::string> args) const;
  /// A service of `service ls` by name, or null.
  json service(const std::string& name) const;
  /// `service ps NAME` as JSON (array), null on failure.
  json tasks(const std::string& service) const { return cli_json({"service", "ps", service}); }

  const std::string& host() const { return host_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& root() const { return root_; }
  int port_min() const { return port_min_; }
  /// Everything the agent wrote to stdout and stderr so far.
  std::string log() const;

private:
  std::string root_;
  std::string data_dir_;
  std::string config_path_;
  std::string log_path_;
  std::string host_;
  int port_min_ = 0;
  int pid_ = 0;
  std::string binary_ = TROUPE_BINARY;
};

/// Running tasks of a `service ps` JSON array.
std::vector<json> running_tasks(const json& tasks);

/// A fixture with one started agent; prints the agent's log when a test fails.
class agent_test : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;
  /// Writes `text` to a file in the temp dir and returns its path.
  std::string stack_file(const std::string& name, const std::string& text) const;
  /// images_dir to configure; override in subclasses before SetUp runs.
  virtual std::string images_dir() const { return ""; }

  temp_dir dir_;
  std::unique_ptr<agent> agent_;
};

/// agent_test with the oci driver: skips without root, runc, umoci or
/// busybox-static, and builds the busybox image into its own images dir.
class oci_agent_test : public agent_test {
protected:
  void SetUp() override;
  /// Also deletes every runc container whose bundle lies in this test's
  /// folder: with live restore a stopped node leaves its containers
  /// running, and a test that failed before `stack rm` must leave none.
  void TearDown() override;
  std::string images_dir() const override { return dir_.file("images"); }
};

} // namespace troupe::itest
