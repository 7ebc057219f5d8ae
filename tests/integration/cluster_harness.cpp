// local_cluster and the cluster_test fixture (cluster_harness.hpp).
#include "tests/integration/cluster_harness.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>


namespace troupe::itest {

namespace {

namespace fs = std::filesystem;

constexpr int ports_per_worker = 20;

std::string loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

} // namespace


local_cluster::local_cluster(const std::string& root, int managers, int workers)
    : root_(root), config_path_(root + "/cluster.toml"),
      token_("itest-join-token-" + std::to_string(getpid())) {
  for (int i = 1; i <= managers; ++i) {
    auto name = "m" + std::to_string(i);
    managers_.push_back(name);
    cluster_[name] = loopback(free_port());
    api_[name] = loopback(free_port());
  }
  for (int i = 1; i <= workers; ++i)
    workers_.push_back("w" + std::to_string(i));
  write_file(config_path_, config_text(token_));
}

std::string local_cluster::ingress(const std::string& name) const {
  // Each node publishes on its own loopback address, so a test can reach
  // the routing mesh through one node in particular.
  auto i = std::find(managers_.begin(), managers_.end(), name);
  if (i != managers_.end())
    return "127.0.1." + std::to_string(1 + (i - managers_.begin()));
  auto w = std::find(workers_.begin(), workers_.end(), name);
  return "127.0.2." + std::to_string(1 + (w - workers_.begin()));
}

std::string local_cluster::config_text(const std::string& join_token) const {
  static int port_lo = 0;
  if (port_lo == 0 && !free_port_range(ports_per_worker * 2, &port_lo))
    port_lo = 31000;
  std::ostringstream os;
  os << "[cluster]\nname = \"itest\"\njoin_token = \"" << join_token << "\"\n\n";
  for (const auto& m : managers_)
    os << "[[managers]]\nname = \"" << m << "\"\ncluster_address = \""
       << cluster_.at(m) << "\"\napi_address = \"" << api_.at(m) << "\"\n\n";
  os << "[defaults]\ndriver = \"process\"\naddress = \"127.0.0.1\"\ndns_address = \"off\"\n\n";
  for (const auto& m : managers_)
    os << "[nodes." << m << "]\ndata_dir = \"" << data_dir(m)
       << "\"\ningress_address = \"" << ingress(m) << "\"\n\n";
  int lo = port_lo;
  for (const auto& w : workers_) {
    os << "[nodes." << w << "]\ndata_dir = \"" << data_dir(w) << "\"\nports = \""
       << lo << "-" << lo + ports_per_worker - 1 << "\"\napi_address = \""
       << loopback(free_port()) << "\"\ningress_address = \"" << ingress(w)
       << "\"\n\n";
    lo += ports_per_worker;
  }
  os << "[timings]\nraft_heartbeat = \"100ms\"\nelection_timeout = \"1s\"\n"
     << "node_heartbeat = \"1s\"\nnode_down_after = 3\nrequest_timeout = \"10s\"\n";
  return os.str();
}

local_cluster::~local_cluster() {
  for (auto& [name, pid] : pids_)
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = 0;
    }
  // task processes run with their cwd in a worker's data dir under root_
  for (int pid : processes_under(root_, true)) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
}

bool local_cluster::spawn(const std::string& name, const std::string& config) {
  bool manager = std::count(managers_.begin(), managers_.end(), name) > 0;
  std::vector<std::string> argv{TROUPE_BINARY, "agent", "--role",
                                manager ? "manager" : "worker", "--config",
                                config.empty() ? config_path_ : config,
                                "--name", name};
  int pid = spawn_logged(argv, root_ + "/" + name + ".log");
  pids_[name] = pid;
  return pid > 0;
}

bool local_cluster::start(const std::string& name, std::string* error,
                          const std::string& config) {
  auto before = log(name).size();
  if (!spawn(name, config)) {
    *error = "cannot spawn " + name;
    return false;
  }
  int code = 0;
  bool exited = false;
  bool up = wait_until([&] {
    if (!alive(name) && wait_exit(name, 0, &code)) {
      exited = true;
      return true;
    }
    return log(name).find("node '" + name + "' is up", before) != std::string::npos;
  }, 30000);
  if (exited || !up) {
    *error = name + (exited ? " exited at start" : " did not come up within 30s")
             + ":\n" + log(name);
    return false;
  }
  return true;
}

bool local_cluster::start_all(std::string* error) {
  for (const auto& m : managers_)
    if (!start(m, error))
      return false;
  if (wait_leader(managers_, 30000).empty()) {
    *error = "the managers agree on no leader within 30s";
    return false;
  }
  for (const auto& w : workers_)
    if (!start(w, error))
      return false;
  bool ready = wait_until([&] {
    auto nodes = ready_nodes(managers_.front());
    return std::all_of(workers_.begin(), workers_.end(),
                       [&](const std::string& w) { return nodes.count(w) > 0; });
  }, 30000, 200);
  if (!ready)
    *error = "the workers are not all ready within 30s: "
             + cli(managers_.front(), {"node", "ls"}).describe();
  return ready;
}

void local_cluster::kill9(const std::string& name) {
  auto it = pids_.find(name);
  if (it == pids_.end() || it->second <= 0)
    return;
  kill(it->second, SIGKILL);
  waitpid(it->second, nullptr, 0);
  it->second = 0;
}

void local_cluster::terminate(const std::string& name) {
  auto it = pids_.find(name);
  if (it != pids_.end() && it->second > 0)
    kill(it->second, SIGTERM);
}

bool local_cluster::wait_exit(const std::string& name, int timeout_ms, int* exit_code) {
  auto it = pids_.find(name);
  if (it == pids_.end() || it->second <= 0)
    return false;
  int status = 0;
  int pid = it->second;
  bool exited = wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                           timeout_ms, 50);
  if (!exited)
    return false;
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  it->second = 0;
  return true;
}

bool local_cluster::alive(const std::string& name) const {
  auto it = pids_.find(name);
  return it != pids_.end() && it->second > 0 && process_alive(it->second);
}

run_result local_cluster::cli(const std::string& manager, std::vector<std::string> args,
                              int timeout_ms) const {
  args.insert(args.begin(), TROUPE_BINARY);
  args.push_back("--host");
  args.push_back(api_.at(manager));
  return run_command(args, root_, timeout_ms);
}

json local_cluster::cli_json(const std::string& manager, std::vector<std::string> args) const {
  args.push_back("--format");
  args.push_back("json");
  auto r = cli(manager, args, 30000);
  if (r.exit_code != 0)
    return json();
  auto parsed = json::parse(r.out, nullptr, false);
  return parsed.is_discarded() ? json() : parsed;
}

std::string local_cluster::agreed_leader(const std::vector<std::string>& asking) const {
  std::string leader;
  for (const auto& m : asking) {
    auto s = status(m);
    if (!s.is_object())
      return "";
    auto named = s.value("leader", "");
    if (named.empty() || (!leader.empty() && named != leader))
      return "";
    leader = named;
  }
  return leader;
}

std::string local_cluster::wait_leader(const std::vector<std::string>& asking,
                                       int timeout_ms, const std::string& not_this) const {
  std::string leader;
  bool found = wait_until([&] {
    leader = agreed_leader(asking);
    return !leader.empty() && leader != not_this;
  }, timeout_ms, 200);
  return found ? leader : "";
}

std::set<std::string> local_cluster::ready_nodes(const std::string& manager) const {
  std::set<std::string> out;
  auto nodes = cli_json(manager, {"node", "ls"});
  if (nodes.is_array())
    for (const auto& n : nodes)
      if (n.value("state", "") == "ready")
        out.insert(n.value("name", ""));
  return out;
}

json local_cluster::service(const std::string& manager, const std::string& name) const {
  auto list = cli_json(manager, {"service", "ls"});
  if (list.is_array())
    for (const auto& s : list)
      if (s.value("name", "") == name)
        return s;
  return json();
}

std::string local_cluster::file(const std::string& name, const std::string& text) const {
  auto path = root_ + "/" + name;
  write_file(path, text);
  return path;
}

std::vector<std::string>
local_cluster::managers_except(const std::set<std::string>& names) const {
  std::vector<std::string> out;
  for (const auto& m : managers_)
    if (names.count(m) == 0)
      out.push_back(m);
  return out;
}

std::string local_cluster::log(const std::string& name) const {
  return read_file(root_ + "/" + name + ".log");
}

std::string local_cluster::logs_tail(size_t bytes) const {
  std::string out;
  std::vector<std::string> names = managers_;
  names.insert(names.end(), workers_.begin(), workers_.end());
  for (const auto& n : names) {
    auto text = log(n);
    if (text.size() > bytes)
      text = "...\n" + text.substr(text.size() - bytes);
    out += "=== " + n + ".log ===\n" + text + "\n";
  }
  return out;
}

void cluster_test::SetUp() {
  ASSERT_FALSE(dir_.path().empty()) << "cannot create a temp dir";
  cluster_ = std::make_unique<local_cluster>(dir_.path());
}

void small_cluster_test::SetUp() {
  ASSERT_FALSE(dir_.path().empty()) << "cannot create a temp dir";
  cluster_ = std::make_unique<local_cluster>(dir_.path(), 1, 2);
}

void cluster_test::TearDown() {
  if (HasFailure() && cluster_)
    std::cerr << cluster_->logs_tail();
  cluster_.reset();
}

std::string cluster_test::loop_stack(const std::string& stack, int replicas,
                                     const std::string& marker) const {
  return cluster_->file(
    stack + ".toml",
    "[stack]\nname = \"" + stack + "\"\n\n[services.loop]\n"
    "command = [\"/bin/sh\", \"-c\", \"while true; do sleep 0.3; done\", \"" + marker
      + "\"]\nreplicas = " + std::to_string(replicas) + "\nstop_grace_period = \"2s\"\n");
}

} // namespace troupe::itest
