#include "tests/integration/harness.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace troupe::itest {

namespace fs = std::filesystem;

std::string run_result::describe() const {
  std::ostringstream os;
  os << "exit " << exit_code << (timed_out ? " (timed out)" : "")
     << "\n--- stdout ---\n" << out << "--- stderr ---\n" << err;
  return os.str();
}

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/troupe-it-XXXXXX";
  const char* made = mkdtemp(tmpl);
  path_ = made ? made : "";
}

temp_dir::~temp_dir() {
  std::error_code ec;
  if (!path_.empty())
    fs::remove_all(path_, ec);
}

namespace {

bool port_bindable(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// Waits for `pid` up to timeout_ms; true with *status when it exited.
bool wait_pid(int pid, int timeout_ms, int* status) {
  auto deadline = now_ms() + timeout_ms;
  for (;;) {
    int r = waitpid(pid, status, WNOHANG);
    if (r == pid)
      return true;
    if (r < 0)
      return true; // not our child any more: nothing left to wait for
    if (now_ms() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Spawns argv with stdout and stderr both sent to the files given
// (truncate_out=false appends). Returns the pid, or 0.
int spawn(const std::vector<std::string>& argv, const std::string& out_path,
          const std::string& err_path, bool append) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), flags, 0644);
  if (err_path == out_path)
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), flags, 0644);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : 0;
}

} // namespace

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int free_port() {
  // Below the kernel's ephemeral range (32768-60999 here): a port the kernel
  // handed out through bind(:0) can be taken again as the source port of any
  // outgoing connection before the node listens on it. Integration tests run
  // one at a time, so walking a private stretch in order hands out each port
  // once per process and nothing else in the machine picks ports from it.
  constexpr int first = 28000, count = 2000;
  static std::atomic<int> next{static_cast<int>(std::random_device{}() % count)};
  for (int tried = 0; tried < count; ++tried) {
    int port = first + next++ % count;
    if (port_bindable(port))
      return port;
  }
  return 0;
}

bool free_port_range(int count, int* lo) {
  // A second stretch below the ephemeral range, apart from free_port()'s,
  // walked in order so that two ranges of one process never overlap.
  constexpr int first = 30000, span = 2700;
  static std::atomic<int> next{static_cast<int>(std::random_device{}() % span)};
  for (int tried = 0; tried < span; tried += count) {
    int start = first + next.fetch_add(count) % span;
    if (start + count > first + span)
      continue;
    bool all = true;
    for (int p = start; p < start + count && all; ++p)
      all = port_bindable(p);
    if (all) {
      *lo = start;
      return true;
    }
  }
  return false;
}

run_result run_command(const std::vector<std::string>& argv,
                       const std::string& scratch_dir, int timeout_ms) {
  static std::atomic<int> counter{0};  // tests may run commands from two threads
  auto base = scratch_dir + "/cmd" + std::to_string(++counter);
  run_result r;
  int pid = spawn(argv, base + ".out", base + ".err", false);
  if (pid <= 0) {
    r.err = "cannot spawn " + argv[0];
    return r;
  }
  int status = 0;
  if (!wait_pid(pid, timeout_ms, &status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    r.timed_out = true;
  }
  r.exit_code = r.timed_out ? -1 : exit_code_of(status);
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  std::error_code ec;
  fs::remove(base + ".out", ec);
  fs::remove(base + ".err", ec);
  return r;
}

bool wait_until(const std::function<bool()>& predicate, int timeout_ms, int poll_ms) {
  auto deadline = now_ms() + timeout_ms;
  for (;;) {
    if (predicate())
      return true;
    if (now_ms() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream os(path, std::ios::trunc);
  os << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

bool process_alive(int pid) {
  if (pid <= 0 || kill(pid, 0) != 0)
    return false;
  // a zombie (exited, not yet reaped) is not running any more
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= stat.size() ||
         stat[close_paren + 2] != 'Z';
}

std::set<int> processes_with(const std::string& text, bool with_shims) {
  std::set<int> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto argv = read_file("/proc/" + name + "/cmdline");
    std::replace(argv.begin(), argv.end(), '\0', ' ');
    int pid = std::stoi(name);
    // A shim's command line holds its task's (tasks are what is counted).
    if (pid != getpid() && argv.find(text) != std::string::npos
        && process_alive(pid) && (with_shims || !is_shim(pid)))
      out.insert(pid);
  }
  return out;
}

int spawn_logged(const std::vector<std::string>& argv, const std::string& log_path,
                 const std::string& stdin_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDWR, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : 0;
}

bool is_shim(int pid) {
  auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  auto first = cmdline.substr(0, cmdline.find('\0'));
  auto second = cmdline.size() > first.size() ? cmdline.substr(first.size() + 1) : "";
  second = second.substr(0, second.find('\0'));
  auto ends = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends(first, "troupe-shim") || (ends(first, "troupe") && second == "shim");
}

std::set<std::string> runc_containers_of(const std::string& stack,
                                         const std::string& scratch) {
  auto r = run_command({"runc", "list", "-q"}, scratch, 30000);
  std::set<std::string> out;
  std::istringstream in(r.out);
  for (std::string id; std::getline(in, id);)
    if (id.rfind(stack + "_", 0) == 0)
      out.insert(id);
  return out;
}

std::vector<int> processes_under(const std::string& dir, bool with_shims) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto cwd = fs::read_symlink(entry.path() / "cwd", ec);
    if (ec || cwd.string().rfind(dir + "/", 0) != 0)
      continue;
    int pid = std::stoi(name);
    if (pid != getpid() && process_alive(pid) && (with_shims || !is_shim(pid)))
      out.push_back(pid);
  }
  return out;
}

std::vector<json> running_tasks(const json& tasks) {
  std::vector<json> out;
  if (!tasks.is_array())
    return out;
  for (const auto& t : tasks)
    if (t.value("state", "") == "running")
      out.push_back(t);
  return out;
}

void oci_agent_test::SetUp() {
  if (geteuid() != 0)
    GTEST_SKIP() << "the oci driver needs root";
  for (const char* tool : {"runc", "umoci"})
    if (run_command({tool, "--version"}, dir_.path(), 30000).exit_code != 0)
      GTEST_SKIP() << tool << " is not installed";
  if (access("/bin/busybox", X_OK) != 0)
    GTEST_SKIP() << "/bin/busybox (busybox-static) is not installed";
  auto build = run_command({"bash", std::string(TROUPE_SOURCE_DIR) +
                                        "/scripts/build-busybox-image.sh", images_dir()},
                           dir_.path(), 180000);
  ASSERT_EQ(build.exit_code, 0) << build.describe();
  agent_test::SetUp();
}

void oci_agent_test::TearDown() {
  agent_test::TearDown();
  auto listed = run_command({"runc", "list", "--format", "json"}, dir_.path(), 30000);
  auto all = json::parse(listed.out, nullptr, false);
  if (!all.is_array())
    return;  // none (runc prints "null"), or no runc
  for (const auto& c : all)
    if (c.value("bundle", "").rfind(dir_.path() + "/", 0) == 0)
      run_command({"runc", "delete", "--force", c.value("id", "")}, dir_.path(), 30000);
}

} // namespace troupe::itest
