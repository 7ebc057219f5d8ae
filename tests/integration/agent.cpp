// The `agent` process wrapper and the `agent_test` fixture (harness.hpp).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "tests/integration/harness.hpp"


namespace troupe::itest {

namespace {

constexpr int host_port_count = 40;

} // namespace

agent::agent(const std::string& root, const std::string& images_dir)
    : root_(root), data_dir_(root + "/data"), config_path_(root + "/cluster.toml"),
      log_path_(root + "/agent.log") {
  host_ = "127.0.0.1:" + std::to_string(free_port());
  if (!free_port_range(host_port_count, &port_min_))
    port_min_ = 31000;
  std::string config = "[cluster]\nname = \"itest\"\n\n[defaults]\nports = \"" +
                       std::to_string(port_min_) + "-" +
                       std::to_string(port_min_ + host_port_count - 1) + "\"\n";
  if (!images_dir.empty())
    config += "images_dir = \"" + images_dir + "\"\n";
  write_file(config_path_, config);
}

agent::~agent() {
  int code = 0;
  if (running() && !stop(&code))
    std::cerr << "[harness] the agent did not stop within 30s; killed it\n";
  // A stopped node leaves its tasks running under their shims (live
  // restore); they must not outlive the test: tasks of the process driver
  // and their shims run with their cwd in the data dir.
  for (int pid : processes_under(root_, true)) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
}

bool agent::start(std::string* error, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{binary_,       "agent",      "--role",
                                "standalone",  "--name",     "n1",
                                "--config",    config_path_, "--data-dir",
                                data_dir_,     "--api",      host_};
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_ = spawn_logged(argv, log_path_);
  if (pid_ <= 0) {
    *error = "cannot spawn " + argv[0];
    pid_ = 0;
    return false;
  }
  bool exited = false;
  bool up = wait_until(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          exited = true;
          return true;
        }
        return log().find("is up; API on " + host_) != std::string::npos;
      },
      30000);
  if (exited) {
    pid_ = 0;
    *error = "the agent exited at start:\n" + log();
    return false;
  }
  if (!up) {
    *error = "the agent did not come up within 30s:\n" + log();
    return false;
  }
  // A restarted node replays its log before it leads: until then the API
  // answers "retry in a moment", which is not a failure to start; nor is a
  // refused connection while its API socket is being bound (the client
  // fails at once on a refused port).
  run_result r;
  wait_until(
      [&] {
        r = cli({"node", "ls"}, 30000);
        return r.exit_code == 0
               || (r.err.find("retry in a moment") == std::string::npos
                   && r.err.find("connection refused") == std::string::npos);
      },
      30000);
  if (r.exit_code != 0) {
    *error = "the agent's API does not answer: " + r.describe();
    return false;
  }
  return true;
}

bool agent::stop(int* exit_code, int timeout_ms) {
  *exit_code = -1;
  if (pid_ <= 0)
    return true;
  kill(pid_, SIGTERM);
  int status = 0;
  bool exited = wait_until(
      [&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout_ms, 50);
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  } else {
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_ = 0;
  return exited;
}

void agent::crash() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
}

run_result agent::cli(std::vector<std::string> args, int timeout_ms) const {
  args.insert(args.begin(), TROUPE_BINARY);
  args.push_back("--host");
  args.push_back(host_);
  return run_command(args, root_, timeout_ms);
}

json agent::cli_json(std::vector<std::string> args) const {
  args.push_back("--format");
  args.push_back("json");
  auto r = cli(args);
  if (r.exit_code != 0) {
    ADD_FAILURE() << "troupe command failed: " << r.describe();
    return json();
  }
  auto parsed = json::parse(r.out, nullptr, false);
  if (parsed.is_discarded()) {
    ADD_FAILURE() << "not JSON: " << r.describe();
    return json();
  }
  return parsed;
}

json agent::service(const std::string& name) const {
  auto list = cli_json({"service", "ls"});
  if (list.is_array())
    for (const auto& s : list)
      if (s.value("name", "") == name)
        return s;
  return json();
}

std::string agent::log() const { return read_file(log_path_); }

void agent_test::SetUp() {
  ASSERT_FALSE(dir_.path().empty()) << "cannot create a temp dir";
  agent_ = std::make_unique<agent>(dir_.path(), images_dir());
  std::string error;
  ASSERT_TRUE(agent_->start(&error)) << error;
}

void agent_test::TearDown() {
  if (HasFailure() && agent_) {
    std::cerr << "=== agent log (" << agent_->root() << "/agent.log) ===\n"
              << agent_->log() << "=== end of agent log ===\n";
  }
  agent_.reset();
}

std::string agent_test::stack_file(const std::string& name, const std::string& text) const {
  auto path = dir_.file(name);
  write_file(path, text);
  return path;
}

} // namespace troupe::itest
