// `troupe sim`: 3 real managers and 1,000 simulated workers in one process,
// driven through the normal CLI; faults typed on its stdin (a FIFO).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "harness.hpp"

namespace troupe::itest {
namespace {

constexpr int workers = 1000;

/// One `troupe sim` process; SIGKILLed by its pid if still running at the end.
class sim_process {
public:
  sim_process(const std::string& root, uint64_t seed) : root_(root) {
    int lo = 0;
    EXPECT_TRUE(free_port_range(6, &lo));
    host_ = "127.0.0.1:" + std::to_string(lo);
    fifo_ = root + "/faults";
    EXPECT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
    log_ = root + "/sim.log";
    pid_ = spawn_logged({TROUPE_BINARY, "sim", "--managers", "3", "--workers",
                         std::to_string(workers), "--seed", std::to_string(seed), "--api",
                         host_, "--data-dir", root + "/data"},
                        log_, fifo_);
  }
  ~sim_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  run_result cli(std::vector<std::string> args) const {
    args.insert(args.begin(), TROUPE_BINARY);
    args.push_back("--host");
    args.push_back(host_);
    return run_command(args, root_, 120000);
  }
  json cli_json(std::vector<std::string> args) const {
    args.push_back("--format");
    args.push_back("json");
    auto r = cli(args);
    if (r.exit_code != 0)
      return nullptr;
    return json::parse(r.out, nullptr, false);
  }
  /// Writes a fault line to the sim's stdin.
  void type(const std::string& line) const {
    int fd = ::open(fifo_.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    auto text = line + "\n";
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  /// SIGTERM; true when it exits 0 within 60 s.
  bool stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool done = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 60000);
    if (done)
      pid_ = 0;
    return done && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  std::string log() const { return read_file(log_); }
  bool alive() const { return pid_ > 0 && process_alive(pid_); }

private:
  std::string root_, host_, fifo_, log_;
  int pid_ = 0;
};

int count_nodes(const sim_process& sim, const std::string& state) {
  auto nodes = sim.cli_json({"node", "ls"});
  int n = 0;
  if (nodes.is_array())
    for (const auto& node : nodes)
      n += node.value("state", "") == state && node.value("role", "") == "worker";
  return n;
}

/// slot -> node of the service's running tasks.
std::map<int, std::string> placements(const sim_process& sim, const std::string& service) {
  std::map<int, std::string> out;
  auto tasks = sim.cli_json({"service", "ps", service});
  if (tasks.is_array())
    for (const auto& t : tasks)
      if (t.value("state", "") == "running" && t.value("desired_state", "") == "running")
        out[t.value("slot", 0)] = t.value("node", "");
  return out;
}

const char* stack = R"([stack]
name = "simapp"

[services.web]
driver = "sim"
command = ["serve"]
replicas = 300

[services.web.resources]
cpus = 1
memory = "512MiB"

[services.api]
driver = "sim"
command = ["serve"]
replicas = 100

[services.api.placement]
constraints = ["node.labels.disk == ssd"]
)";

/// Starts a sim, waits for its workers, deploys the stack; the placements
/// of web and api (empty on failure, with the test failed).
std::map<int, std::string> deploy(sim_process& sim, const std::string& root,
                                  std::map<int, std::string>* api) {
  EXPECT_TRUE(wait_until([&] { return count_nodes(sim, "ready") == workers; }, 120000, 500))
    << sim.log();
  write_file(root + "/stack.toml", stack);
  auto r = sim.cli({"stack", "deploy", root + "/stack.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.describe() << sim.log();
  *api = placements(sim, "simapp_api");
  return placements(sim, "simapp_web");
}

TEST(sim_cluster_test, a_thousand_workers_run_a_stack_and_lost_workers_tasks_move) {
  temp_dir root;
  std::map<int, std::string> web, api;
  {
    sim_process sim(root.path() + "/", 7);
    web = deploy(sim, root.path(), &api);
    ASSERT_EQ(web.size(), 300u) << sim.log();
    ASSERT_EQ(api.size(), 100u) << sim.log();
    auto inspect = sim.cli_json({"node", "inspect", api.begin()->second});
    ASSERT_TRUE(inspect.is_object()) << sim.log();
    EXPECT_EQ(inspect["labels"].value("disk", ""), "ssd") << "api runs on ssd nodes only";

    sim.type("kill-workers 100");
    ASSERT_TRUE(wait_until([&] { return count_nodes(sim, "down") == 100; }, 60000, 500))
      << sim.log();
    std::set<std::string> down;
    for (const auto& n : sim.cli_json({"node", "ls"}))
      if (n.value("state", "") == "down")
        down.insert(n.value("name", ""));
    auto moved = [&] {
      auto now = placements(sim, "simapp_web");
      auto now_api = placements(sim, "simapp_api");
      if (now.size() != 300 || now_api.size() != 100)
        return false;
      for (const auto& [slot, node] : now)
        if (down.count(node))
          return false;
      for (const auto& [slot, node] : now_api)
        if (down.count(node))
          return false;
      return true;
    };
    EXPECT_TRUE(wait_until(moved, 60000, 500))
      << "every task of a killed worker runs elsewhere\n" << sim.log();
    EXPECT_NE(sim.log().find("killed 100 workers"), std::string::npos);

    sim.type("explode now");
    EXPECT_TRUE(wait_until([&] { return sim.log().find("'explode' is not a fault")
                                        != std::string::npos; }, 10000));
    EXPECT_TRUE(sim.alive());
    EXPECT_TRUE(sim.stop()) << sim.log();
  }
  // The same seed: the same workers, the same placements.
  temp_dir again;
  sim_process sim(again.path() + "/", 7);
  std::map<int, std::string> api2;
  auto web2 = deploy(sim, again.path(), &api2);
  EXPECT_EQ(web2, web);
  EXPECT_EQ(api2, api);
  EXPECT_TRUE(sim.stop()) << sim.log();
}

TEST(sim_cluster_test, a_bad_script_starts_nothing) {
  temp_dir root;
  write_file(root.file("faults.txt"), "at 5s kill-leader\nat 10s kill-workers lots\n");
  auto r = run_command({TROUPE_BINARY, "sim", "--workers", "10", "--script",
                        root.file("faults.txt"), "--data-dir", root.file("data")},
                       root.path(), 30000);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("faults.txt: line 2: kill-workers needs a number of workers"),
            std::string::npos)
    << r.describe();
  EXPECT_FALSE(std::filesystem::exists(root.file("data"))) << "nothing was started";
}

} // namespace
} // namespace troupe::itest
